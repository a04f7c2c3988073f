package org.sfu.signaling.webhooks;

import java.util.UUID;
import org.sfu.media.router.Peer;
import org.sfu.media.router.Producer;
import org.sfu.media.router.RoomEvents;
import org.sfu.media.router.Router;

/**
 * Turns what the media engine reports of its rooms ({@link RoomEvents}) into webhooks: {@code room_started},
 * {@code participant_joined}, {@code track_published}, {@code track_unpublished}, {@code participant_left},
 * {@code room_finished}. Each gets its id, the next sequence number and its time here, under one lock, so the
 * sequence is the order the engine reported them in; then the {@link WebhookSender} queues it and returns.
 *
 * <p>A participant without the publish grant gets no track events: its tracks reach nobody.
 */
public final class WebhookNotifier implements RoomEvents {
    private final WebhookSender sender;
    /** Guarded by this. */
    private long sequence;

    public WebhookNotifier(WebhookSender sender) {
        this.sender = sender;
    }

    @Override
    public void roomStarted(Router room) {
        post(WebhookEvent.Type.ROOM_STARTED, room.id(), null, null, null);
    }

    @Override
    public void roomFinished(Router room) {
        post(WebhookEvent.Type.ROOM_FINISHED, room.id(), null, null, null);
    }

    @Override
    public void participantJoined(Peer participant) {
        post(WebhookEvent.Type.PARTICIPANT_JOINED, participant.router().id(), participantOf(participant), null, null);
    }

    @Override
    public void participantLeft(Peer participant, String reason) {
        post(WebhookEvent.Type.PARTICIPANT_LEFT, participant.router().id(), participantOf(participant), null,
                reason == null ? WebhookEvent.Reasons.LEFT : reason);
    }

    @Override
    public void trackPublished(Peer participant, Producer track) {
        if (participant.grants().publish()) {
            post(WebhookEvent.Type.TRACK_PUBLISHED, participant.router().id(), participantOf(participant),
                    trackOf(track), null);
        }
    }

    @Override
    public void trackUnpublished(Peer participant, Producer track) {
        if (participant.grants().publish()) {
            post(WebhookEvent.Type.TRACK_UNPUBLISHED, participant.router().id(), participantOf(participant),
                    trackOf(track), null);
        }
    }

    private static WebhookEvent.Participant participantOf(Peer p) {
        return new WebhookEvent.Participant(p.id(), p.grants().identity());
    }

    private static WebhookEvent.Track trackOf(Producer p) {
        return new WebhookEvent.Track(p.id(), p.kind().sdpName(), p.mid());
    }

    private synchronized void post(WebhookEvent.Type type, String room, WebhookEvent.Participant participant,
                                   WebhookEvent.Track track, String reason) {
        sender.post(new WebhookEvent(UUID.randomUUID().toString(), type, ++sequence, System.currentTimeMillis(),
                room, participant, track, reason));
    }
}
