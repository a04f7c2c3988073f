package org.sfu.media.log;

import org.slf4j.MDC;

/**
 * The room and client id that every log line about one participant carries, as SLF4J MDC fields ({@value #ROOM},
 * {@value #CLIENT_ID}): a log collector then finds everything about one participant, or one room, by field, whichever
 * thread wrote it and whatever the message says.
 *
 * <p>Set around a participant's control work (its signaling, its timers, its transport's ICE and DTLS events), on
 * entering and restored on leaving, so a thread shared by many participants (signaling pool, media timer, handshake
 * threads) never lends one participant's fields to the next one's lines, and work for participant B started from
 * participant A's (a new track to offer) logs as B's and then goes back to A's. Never per packet: the MDC is a
 * thread-local map, and the packet path sets it only where it logs, which is rare (errors, a stream learnt).
 *
 * @param room     the room's name, or null before the participant has one
 * @param clientId the client id the server gave it
 */
public record ParticipantLogContext(String room, String clientId) {
    /** The MDC key of the room's name. */
    public static final String ROOM = "room";
    /** The MDC key of the client id (as the signaling's {@code client_id} and the admin API name it). */
    public static final String CLIENT_ID = "clientId";

    /** Sets the fields on this thread until the returned scope is closed. */
    public Scope enter() {
        Scope scope = new Scope(MDC.get(ROOM), MDC.get(CLIENT_ID));
        put(ROOM, room);
        put(CLIENT_ID, clientId);
        return scope;
    }

    /** {@code task}, run with the fields set (a timer's or another thread's task for this participant). */
    public Runnable wrap(Runnable task) {
        return () -> {
            try (Scope ignored = enter()) {
                task.run();
            }
        };
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }

    /** Gives the thread back the fields it had before {@link #enter()}: none, or an enclosing participant's. */
    public static final class Scope implements AutoCloseable {
        private final String previousRoom;
        private final String previousClientId;

        private Scope(String previousRoom, String previousClientId) {
            this.previousRoom = previousRoom;
            this.previousClientId = previousClientId;
        }

        @Override
        public void close() {
            put(ROOM, previousRoom);
            put(CLIENT_ID, previousClientId);
        }
    }
}
