package org.sfu.media.router;

/**
 * How the media engine talks back to one participant's signaling channel. Implemented by the signaling layer; every
 * method may be called from any thread and must not block.
 */
public interface PeerSignaling {
    /**
     * The server's offer. {@code carriesOthersMedia} is true when it adds or removes another participant's tracks
     * (what the signaling log calls "Forwarded to").
     */
    void sendOffer(String sdp, boolean carriesOthersMedia);

    void sendAnswer(String sdp);

    /** A local ICE candidate (trickle, RFC 8838), for the bundle's m-line. */
    void sendCandidate(String candidate, String sdpMid, int sdpMLineIndex);

    void sendError(String code, String message);

    /** The media session is over for good (e.g. a DTLS fingerprint mismatch): close the participant's channel. */
    void close(String reason);

    /**
     * Another participant joined the router.
     *
     * @param identity who it is, as its access token named it; null in an open room
     */
    default void participantJoined(String participantId, String identity) {
    }

    /** Another participant left the router. */
    default void participantLeft(String participantId) {
    }

    /**
     * The operator muted or unmuted a participant's track for the whole room ({@link Router#setMuted}).
     *
     * @param kind "audio" or "video"
     * @param mid  the track's m-line in its sender's session
     */
    default void trackMuted(String participantId, String kind, String mid, boolean muted) {
    }

    /**
     * The server stopped forwarding another participant's video to this one because even its lowest layer does not
     * fit this participant's downlink estimate, or forwards it again ({@link BandwidthAllocation}).
     *
     * @param mid the track's m-line in its sender's session
     */
    default void videoPaused(String participantId, String mid, boolean paused) {
    }

    /**
     * Which simulcast layers (by rid, lowest first) of this participant's own track some receiver may be sent; it may
     * stop sending the others until they are listed again ({@link LayerDemand}).
     *
     * @param mid the track's m-line in this participant's session
     */
    default void layersWanted(String mid, java.util.List<String> rids) {
    }

    /** The router's dominant speaker changed (or is told to a newcomer). */
    default void dominantSpeaker(String participantId) {
    }
}
