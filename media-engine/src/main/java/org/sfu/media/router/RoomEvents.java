package org.sfu.media.router;

/**
 * What changes in the rooms, for observers outside the media engine (webhooks): rooms that start and finish,
 * participants that join and leave, tracks (producers) that appear and go.
 *
 * <p>Called on the control plane only: the signaling threads that negotiate and end sessions, the media timer, and
 * whoever closes the engine; never on the packet path. Often while a router's or a participant's lock is held, which
 * is what keeps the calls in the order things happened: for one room, {@code roomStarted} first and
 * {@code roomFinished} last; for one participant, joined, then each track published before it is unpublished, then
 * left. So an implementation must return at once, never block and never call back into the engine: it hands the
 * event to a queue of its own.
 */
public interface RoomEvents {
    /** Observes nothing. */
    RoomEvents NONE = new RoomEvents() {
    };

    /** The room was created for its first participant, who joins next. */
    default void roomStarted(Router room) {
    }

    /** The room's last participant left; the room is gone. */
    default void roomFinished(Router room) {
    }

    default void participantJoined(Peer participant) {
    }

    /** @param reason why, as whoever closed the participant said; null when nobody said */
    default void participantLeft(Peer participant, String reason) {
    }

    /** The participant sends a new track (its offer or answer added or replaced an m-line it sends on). */
    default void trackPublished(Peer participant, Producer track) {
    }

    /** A track of the participant's is gone: renegotiated away, replaced, or the participant is leaving. */
    default void trackUnpublished(Peer participant, Producer track) {
    }
}
