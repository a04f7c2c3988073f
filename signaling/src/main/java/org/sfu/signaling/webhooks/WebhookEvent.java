package org.sfu.signaling.webhooks;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * One webhook, as its JSON body (docs/ADMIN.md, Webhooks). Fields that do not apply to an event are left out.
 *
 * @param id          unique per event, the same in every retry of it: receivers drop duplicates by it
 * @param event       what happened
 * @param sequence    counts the server's events from 1 since it started, in the order they happened; a gap tells a
 *                    receiver that events were dropped (its queue was full, or all attempts failed)
 * @param timestamp   when it happened, in milliseconds since the Unix epoch
 * @param room        the room's name
 * @param participant who joined, left, published or unpublished
 * @param track       the track published or unpublished
 * @param reason      why a participant left
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WebhookEvent(String id, Type event, long sequence, long timestamp, String room,
                           Participant participant, Track track, String reason) {

    public enum Type {
        ROOM_STARTED, ROOM_FINISHED, PARTICIPANT_JOINED, PARTICIPANT_LEFT, TRACK_PUBLISHED, TRACK_UNPUBLISHED;

        /** The name in the JSON: {@code room_started}, ... */
        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param id       the participant's client id (the {@code client_id} of the signaling, the admin API's id)
     * @param identity who it is, as its access token said; absent in an open room
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Participant(String id, String identity) {
    }

    /**
     * @param id   the track's id, as the admin API lists it
     * @param kind {@code audio} or {@code video}
     * @param mid  the m-line of the participant's session it is sent on (RFC 8843 §2)
     */
    public record Track(String id, String kind, String mid) {
    }

    /** Why a participant left: the {@code reason} of {@code participant_left}. */
    public static final class Reasons {
        /** The client hung up: it closed its connection, or it dropped and the client never came back. */
        public static final String LEFT = "left";
        /** The connection dropped and was not resumed within SFU_RECONNECT_GRACE_MS. */
        public static final String NOT_RESUMED = "not_resumed";
        /** The operator removed it, or closed its room (admin API). */
        public static final String REMOVED = "removed";
        /** Its media path went silent for SFU_CONSENT_TIMEOUT_MS (RFC 7675). */
        public static final String CONSENT_EXPIRED = "consent_expired";
        /** ICE and DTLS were not done SFU_MEDIA_START_TIMEOUT_MS after it joined. */
        public static final String MEDIA_NOT_STARTED = "media_not_started";
        /** ICE or DTLS failed, or the DTLS association was closed. */
        public static final String MEDIA_FAILED = "media_failed";
        /** It broke a limit: too many messages, a message too big, a malformed frame. */
        public static final String PROTOCOL_VIOLATION = "protocol_violation";
        /** The server shut down (after its drain). */
        public static final String SERVER_SHUTDOWN = "server_shutdown";

        private Reasons() {
        }
    }
}
