package org.sfu.signaling;

import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.sfu.media.MediaEngine;
import org.sfu.media.log.ParticipantLogContext;
import org.sfu.media.router.Grants;
import org.sfu.media.router.Peer;
import org.sfu.media.router.PeerSignaling;
import org.sfu.media.router.RouterFullException;
import org.sfu.media.rtp.MediaKind;
import org.sfu.signaling.message.MessageCodec;
import org.sfu.signaling.message.SignalingMessage;
import org.sfu.signaling.webhooks.WebhookEvent.Reasons;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's session: its id, its participant in a router, and the translation between JSON messages and the media
 * engine. Messages are handled in arrival order off the event loop.
 *
 * <p>A session outlives a dropped WebSocket: a phone changing networks loses its TCP connection while its media
 * path may well survive, or be restarted. The session then waits, detached, for the client to come back with its id
 * and resume token (a new WebSocket, {@link #resume}); what the server would have sent meanwhile is dropped, and an
 * offer still unanswered (dropped that way, or lost in the old connection before TCP noticed it was dead) is made
 * again on resume. If nobody comes back within the grace period, the session ends as if the client had left.
 */
final class ClientSession implements PeerSignaling {
    private static final Logger LOG = LoggerFactory.getLogger(SignalingEndpoint.class);
    private static final int LOGGED_MESSAGE_CHARS = 160;
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final String id = UUID.randomUUID().toString();
    /** The room (once known) and client id every log line about this client carries (MDC), whichever thread. */
    private volatile ParticipantLogContext logContext = new ParticipantLogContext(null, id);
    private final MessageCodec codec;
    private final Executor tasks;
    /** The session is over: the participant left its room, or never entered it. */
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object admissionLock = new Object();
    /** What the media engine sent before the join's own messages went out (see {@link #send}); null after. */
    private List<SignalingMessage> heldUntilAdmitted = new ArrayList<>();
    private volatile Peer peer;
    private volatile String room;
    /** The connection messages go to; null while detached. */
    private volatile ServerWebSocket socket;
    /** Guards the token and the detached state. */
    private final Object resumeLock = new Object();
    private byte[] resumeToken;
    /** Counts the drops: a grace timer belongs to the drop that started it. */
    private long drops;

    private final java.util.function.Consumer<ClientSession> onEnded;
    /** Told when a connection stops taking what the server writes: the endpoint gives it up as lost. */
    private final StallListener onStalled;
    private final long backlogLimitBytes;
    /** What was written to the current connection and has not left yet; a new one with each connection. */
    private volatile WriteBacklog backlog;
    /** Messages this client may still send; kept across a resumed connection, so a reconnect does not reset it. */
    private final MessageRateLimit rateLimit;
    /** Everyone's display names: this client's is recorded on joining, the others' are read for the room messages. */
    private final DisplayNames names;

    /**
     * @param rateLimit         how many messages the client may send
     * @param backlogLimitBytes how much written to a connection may wait for the network before it counts as lost
     * @param onEnded           told once when the session ends, whatever ended it
     * @param onStalled         told when a connection of this session stops taking what the server writes
     * @param names             the display names of the server's participants
     */
    ClientSession(ServerWebSocket socket, MessageCodec codec, Executor pool, MessageRateLimit rateLimit,
                  long backlogLimitBytes, java.util.function.Consumer<ClientSession> onEnded,
                  StallListener onStalled, DisplayNames names) {
        this.socket = socket;
        this.backlogLimitBytes = backlogLimitBytes;
        this.backlog = new WriteBacklog(backlogLimitBytes);
        this.onStalled = onStalled;
        this.codec = codec;
        Executor ordered = new OrderedExecutor(pool);
        // The pool's threads serve every client in turn: each task wears this client's log fields, and only while
        // it runs.
        this.tasks = task -> ordered.execute(() -> {
            try (ParticipantLogContext.Scope ignored = logContext.enter()) {
                task.run();
            }
        });
        this.rateLimit = rateLimit;
        this.onEnded = onEnded;
        this.names = names;
    }

    /** Hears of a connection that stopped taking what the server writes to it. */
    @FunctionalInterface
    interface StallListener {
        void stalled(ClientSession session, ServerWebSocket socket, String why);
    }

    String id() {
        return id;
    }

    /** A client's log fields; a room name the server refuses (too long, odd characters) is not one of them. */
    static ParticipantLogContext logContext(String room, String clientId) {
        return new ParticipantLogContext(room != null && SignalingEndpoint.ROOM_NAME.matcher(room).matches() ? room
                : null, clientId);
    }

    /** The fields of this client's log lines, for the endpoint's own lines about it. */
    ParticipantLogContext logContext() {
        return logContext;
    }

    boolean isClosed() {
        return closed.get();
    }

    /** The connection of this session, or null while it waits to be resumed. */
    ServerWebSocket socket() {
        return socket;
    }

    /** A fresh resume token, sent to the client; the previous one stops working. */
    private void issueResumeToken(long reconnectGraceMillis) {
        byte[] token = new byte[24];
        RANDOM.nextBytes(token);
        synchronized (resumeLock) {
            resumeToken = token;
        }
        write(SignalingMessage.Session.of(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(token),
                reconnectGraceMillis));
    }

    /**
     * The connection dropped without a goodbye: keep the participant, drop messages until {@link #resume}.
     *
     * @return this drop's number, for {@link #stillDetachedSince}; -1 when {@code from} was not the session's
     *     connection
     */
    long detach(ServerWebSocket from) {
        synchronized (resumeLock) {
            if (socket != from) {
                return -1;
            }
            socket = null;
            return ++drops;
        }
    }

    /**
     * Ends the session if it is still detached by this drop: not resumed since, and not dropped again (a later drop
     * has a grace period of its own). Checked and ended in one step, so a resume cannot slip in between.
     *
     * @return whether it ended the session
     */
    boolean endIfStillDetachedSince(long drop) {
        return end(Reasons.NOT_RESUMED, () -> socket == null && drops == drop);
    }

    /**
     * A new connection presents this session's token: it takes the session over (closing an older connection still
     * open). The client gets its same id, a new token, the room as it is now, and the offer it missed, if any.
     *
     * @return false when the token is wrong or the session is over; nothing changes then
     */
    boolean resume(ServerWebSocket next, String token, IceServers iceServers, long reconnectGraceMillis) {
        byte[] presented;
        try {
            presented = java.util.Base64.getUrlDecoder().decode(token == null ? "" : token);
        } catch (IllegalArgumentException e) {
            return false;
        }
        ServerWebSocket previous;
        synchronized (resumeLock) {
            if (closed.get() || resumeToken == null || !java.security.MessageDigest.isEqual(resumeToken, presented)) {
                return false;
            }
            resumeToken = null;
            previous = socket;
            socket = next;
            backlog = new WriteBacklog(backlogLimitBytes);
        }
        if (previous != null && previous != next) {
            previous.close((short) 1000, "resumed elsewhere");
        }
        send(SignalingMessage.ClientId.of(id));
        send(SignalingMessage.IceServers.of(iceServers.forClient(id, java.time.Instant.now())));
        issueResumeToken(reconnectGraceMillis);
        tasks.execute(() -> {
            Peer p = peer;
            if (p == null || closed.get()) {
                return;
            }
            send(roomAsSeenBy(p));
            // An offer of the server's that is still unanswered may never have arrived: written while the session
            // was detached, or into the old connection after it had died but before TCP noticed. Offer it afresh;
            // a session with nothing outstanding gets nothing.
            p.renegotiate();
        });
        return true;
    }

    /**
     * Sends the client its id and joins the room; the participant's offer, or the server's, follows. A bad room name
     * or a full room gets an error and the connection is closed: the client is not admitted. So does a bad display
     * name ({@code name}, {@link DisplayNames#check}).
     */
    void start(MediaEngine media, String room, String requestedName, Grants grants, IceServers iceServers,
               long reconnectGraceMillis) {
        this.room = room;
        this.logContext = logContext(room, id);
        write(SignalingMessage.ClientId.of(id));
        if (!SignalingEndpoint.ROOM_NAME.matcher(room).matches()) {
            refuse("bad-room", "a room name is 1 to 64 letters, digits or _ . ~ -", (short) 1008);
            return;
        }
        String name;
        try {
            name = DisplayNames.check(requestedName);
        } catch (DisplayNames.BadNameException e) {
            refuse("bad-name", e.getMessage(), (short) 1008);
            return;
        }
        // Before the join, so that the others' participant_joined carries it. A session that ended meanwhile (its
        // connection closed) has already removed its name, or sees closed here: nothing stays behind either way.
        names.put(id, name);
        if (closed.get()) {
            names.remove(id);
        }
        tasks.execute(() -> {
            if (closed.get()) {
                return;
            }
            try {
                Peer joined = media.join(room, id, grants, this);
                peer = joined;
                // Only an admitted client gets the ICE servers (TURN credentials are worth something to anyone) and a
                // resume token. They still come right after client_id, in the documented order: nothing else is
                // sent before the join.
                write(SignalingMessage.IceServers.of(iceServers.forClient(id, java.time.Instant.now())));
                if (reconnectGraceMillis > 0) {
                    issueResumeToken(reconnectGraceMillis);
                }
                write(roomAsSeenBy(joined));
                releaseHeldMessages();
            } catch (RouterFullException e) {
                // 1013 "Try Again Later" (RFC 6455 §7.4.1 registry): the room may have room later.
                refuse("room-full", e.getMessage(), (short) 1013);
            }
        });
    }

    /** The room message: the others in the room now, who they are when their tokens said, and their names. */
    private SignalingMessage.Room roomAsSeenBy(Peer self) {
        List<String> others = new ArrayList<>();
        Map<String, String> identities = new HashMap<>();
        Map<String, String> displayNames = new HashMap<>();
        for (Peer other : self.router().peers()) {
            if (!other.id().equals(id)) {
                others.add(other.id());
                if (other.grants().identity() != null) {
                    identities.put(other.id(), other.grants().identity());
                }
                String name = names.of(other.id());
                if (name != null) {
                    displayNames.put(other.id(), name);
                }
            }
        }
        return SignalingMessage.Room.of(room, others, identities, displayNames);
    }

    private void refuse(String code, String message, short closeCode) {
        LOG.info("Client {}: not admitted: {}", id, message);
        write(SignalingMessage.Error.of(code, message));
        ServerWebSocket s = socket;
        end(Reasons.PROTOCOL_VIOLATION, () -> true);
        if (s != null) {
            s.close(closeCode, code);
        }
    }

    /** A text frame from the client. Event loop. */
    void onText(String text) {
        try (ParticipantLogContext.Scope ignored = logContext.enter()) {
            onTextHere(text);
        }
    }

    private void onTextHere(String text) {
        if (closed.get()) {
            return;
        }
        if (!rateLimit.allow(System.nanoTime())) {
            // Before the log line and the parse: a flood must not cost what the messages it stands for would.
            LOG.warn("Client {}: over its message rate; closing the connection", id);
            refuse("rate-limited", "too many messages for the server's limit per second", (short) 1008);
            return;
        }
        LOG.info("Received from {}: {}", id, abbreviate(text));
        SignalingMessage message;
        try {
            message = codec.decode(text);
        } catch (MessageCodec.BadMessageException e) {
            // Through the queue, so that replies keep the order of the messages they answer.
            tasks.execute(() -> sendError(e.code(), e.getMessage()));
            return;
        }
        tasks.execute(() -> handle(message));
    }

    private void handle(SignalingMessage message) {
        Peer p = peer;
        if (p == null || closed.get()) {
            return;
        }
        if (message instanceof SignalingMessage.Offer offer) {
            if (offer.data() == null || offer.data().sdp() == null) {
                sendError("bad-message", "an offer needs data.sdp");
            } else {
                p.onOffer(offer.data().sdp());
            }
        } else if (message instanceof SignalingMessage.Answer answer) {
            if (answer.data() == null || answer.data().sdp() == null) {
                sendError("bad-message", "an answer needs data.sdp");
            } else {
                p.onAnswer(answer.data().sdp());
            }
        } else if (message instanceof SignalingMessage.Candidate candidate) {
            // A null candidate or an empty string is the end of the client's candidates (RFC 8838 §4).
            if (candidate.data() != null) {
                p.onCandidate(candidate.data().candidate());
            }
        } else if (message instanceof SignalingMessage.Pause pause) {
            setPaused(p, pause.data(), true);
        } else if (message instanceof SignalingMessage.Resume resume) {
            setPaused(p, resume.data(), false);
        } else if (message instanceof SignalingMessage.VideoQuality quality) {
            setVideoQuality(p, quality.data());
        } else {
            sendError("unexpected-type", "clients do not send \"" + message.type() + "\" messages");
        }
    }

    /** A pause or resume of what this client receives of another participant's track (docs/PROTOCOL.md). */
    private void setPaused(Peer p, SignalingMessage.TrackRef track, boolean pause) {
        String what = pause ? "pause" : "resume";
        MediaKind kind = track == null ? null : switch (String.valueOf(track.kind())) {
            case "audio" -> MediaKind.AUDIO;
            case "video" -> MediaKind.VIDEO;
            default -> null;
        };
        if (track == null || track.participant() == null || kind == null) {
            sendError("bad-message", "a " + what + " needs data.participant and data.kind (\"audio\" or \"video\")");
        } else if (!p.router().setPaused(p.id(), track.participant(), kind, pause)) {
            sendError("bad-message", "no other participant \"" + abbreviate(track.participant()) + "\" in the room");
        }
    }

    /** The largest video this client wants of another participant (docs/PROTOCOL.md, "Video quality"). */
    private void setVideoQuality(Peer p, SignalingMessage.VideoQualityData data) {
        Integer maxHeight = data == null ? null : data.maxHeight();
        if (data == null || data.participant() == null || (maxHeight != null && (maxHeight < 0 || maxHeight > 8192))) {
            sendError("bad-message", "a video_quality needs data.participant and data.maxHeight (0 to 8192 pixels)");
        } else if (!p.router().setMaxHeight(p.id(), data.participant(), maxHeight == null ? 0 : maxHeight)) {
            sendError("bad-message", "no other participant \"" + abbreviate(data.participant()) + "\" in the room");
        }
    }

    /**
     * A message over the size limit that arrived in fragments (a single oversized frame already closes the socket):
     * say so and close with 1009 "Message Too Big" (RFC 6455 §7.4.1) rather than leave the client waiting.
     */
    void onTooBig(int limit) {
        sendError("too-big", "messages are limited to " + limit + " bytes");
        ServerWebSocket s = socket;
        // The server closes this connection on purpose: nothing to resume.
        end(Reasons.PROTOCOL_VIOLATION, () -> true);
        if (s != null) {
            s.close((short) 1009, "too-big");
        }
    }

    /** Ends the session: the participant leaves its room and its media state is freed. Idempotent. */
    void end() {
        end(Reasons.LEFT, () -> true);
    }

    /**
     * Ends the session when {@code condition} holds; the condition is checked under the resume lock, with the
     * session closed in the same step, so a resume either took the session over before or finds it closed after.
     *
     * @param reason why the participant leaves, for webhooks ({@code participant_left})
     */
    private boolean end(String reason, java.util.function.BooleanSupplier condition) {
        boolean ending;
        synchronized (resumeLock) {
            ending = condition.getAsBoolean() && closed.compareAndSet(false, true);
        }
        if (ending) {
            names.remove(id);
            onEnded.accept(this);
            tasks.execute(() -> {
                Peer p = peer;
                if (p != null) {
                    p.close(reason);
                }
            });
        }
        return ending;
    }

    @Override
    public void sendOffer(String sdp, boolean carriesOthersMedia) {
        // While detached this goes nowhere; the resume offers again whatever is still unanswered.
        send(SignalingMessage.Offer.of(sdp));
        if (carriesOthersMedia) {
            try (ParticipantLogContext.Scope ignored = logContext.enter()) {
                LOG.info("Forwarded to {}", id);
            }
        }
    }

    @Override
    public void sendAnswer(String sdp) {
        send(SignalingMessage.Answer.of(sdp));
    }

    @Override
    public void sendCandidate(String candidate, String sdpMid, int sdpMLineIndex) {
        send(SignalingMessage.Candidate.of(candidate, sdpMid, sdpMLineIndex));
    }

    @Override
    public void participantJoined(String participantId, String identity) {
        send(SignalingMessage.ParticipantJoined.of(participantId, identity, names.of(participantId)));
    }

    @Override
    public void participantLeft(String participantId) {
        send(SignalingMessage.ParticipantLeft.of(participantId));
    }

    @Override
    public void trackMuted(String participantId, String kind, String mid, boolean muted) {
        send(SignalingMessage.TrackMuted.of(participantId, kind, mid, muted));
    }

    @Override
    public void videoPaused(String participantId, String mid, boolean paused) {
        send(SignalingMessage.VideoPaused.of(participantId, mid, paused));
    }

    @Override
    public void layersWanted(String mid, java.util.List<String> rids) {
        send(SignalingMessage.LayersWanted.of(mid, rids));
    }

    @Override
    public void dominantSpeaker(String participantId) {
        send(SignalingMessage.DominantSpeaker.of(participantId));
    }

    @Override
    public void sendError(String code, String message) {
        // Not held during the join (see send): an error may be the last thing a refused connection hears.
        write(SignalingMessage.Error.of(code, message));
    }

    /** The server is draining: the client has {@code seconds} to finish (docs/PROTOCOL.md, server_draining). */
    void draining(long seconds) {
        send(SignalingMessage.ServerDraining.of(seconds));
    }

    /**
     * The operator removed this participant (admin API): it is told ({@code session-ended}), leaves its room, and the
     * connection closes with 1008, a policy decision (RFC 6455 §7.4.1), which clients do not resume.
     */
    void removedByOperator() {
        try (ParticipantLogContext.Scope ignored = logContext.enter()) {
            removedByOperatorHere();
        }
    }

    private void removedByOperatorHere() {
        LOG.info("Client {}: removed by the operator", id);
        sendError("session-ended", "removed by the server's operator");
        ServerWebSocket s = socket;
        end(Reasons.REMOVED, () -> true);
        if (s != null) {
            s.close((short) 1008, "removed");
        }
    }

    /** The drain is over: the session ends and the connection closes with 1001, going away (RFC 6455 §7.4.1). */
    void goingAway() {
        ServerWebSocket s = socket;
        end(Reasons.SERVER_SHUTDOWN, () -> true);
        if (s != null) {
            s.close((short) 1001, "server shutting down");
        }
    }

    /**
     * The media session failed (ICE, DTLS, consent): the participant leaves now, whatever the WebSocket does (its
     * closing handshake may never complete when the client's network is gone).
     */
    @Override
    public void close(String reason) {
        if (closed.get()) {
            return;
        }
        try (ParticipantLogContext.Scope ignored = logContext.enter()) {
            LOG.info("Client {}: closing: {}", id, reason);
        }
        sendError("session-ended", reason);
        ServerWebSocket s = socket;
        end(mediaFailure(reason), () -> true);
        if (s != null) {
            // 1011: the server hit a condition that prevents it from going on with this client (RFC 6455 §7.4.1).
            s.close((short) 1011, reason.length() > 120 ? reason.substring(0, 120) : reason);
        }
    }

    /** The webhook reason of a media failure, from the media engine's words (ConsentFreshness, WebRtcTransport). */
    private static String mediaFailure(String reason) {
        if (reason.startsWith("consent expired")) {
            return Reasons.CONSENT_EXPIRED;
        }
        return reason.startsWith("media did not start") ? Reasons.MEDIA_NOT_STARTED : Reasons.MEDIA_FAILED;
    }

    /**
     * Sends a message of the media engine's (an offer, a candidate, another participant's arrival, the dominant
     * speaker), or holds it while the join is under way: the engine may speak during the join (a room's dominant
     * speaker is told at once, the first offer's timer runs from the participant's creation, which a loaded machine
     * can make last seconds), yet client_id, ice_servers, session and room come first (docs/PROTOCOL.md): a client
     * that makes its peer connection on ice_servers must have it before the first offer.
     */
    private void send(SignalingMessage message) {
        synchronized (admissionLock) {
            if (heldUntilAdmitted != null) {
                heldUntilAdmitted.add(message);
                return;
            }
        }
        write(message);
    }

    /** The join's messages are out: what the engine said meanwhile follows, in its order, then sends go straight out. */
    private void releaseHeldMessages() {
        synchronized (admissionLock) {
            List<SignalingMessage> held = heldUntilAdmitted;
            heldUntilAdmitted = null;
            if (held != null) {
                held.forEach(this::write);
            }
        }
    }

    /** Writes a message now, in the order of calls. */
    private void write(SignalingMessage message) {
        ServerWebSocket s = socket;
        WriteBacklog b = backlog;
        if (closed.get() || s == null || s.isClosed()) {
            return;
        }
        String text = codec.encode(message);
        // JSON from the codec is ASCII but for names and SDP: its length is close enough to its size in bytes.
        int bytes = text.length();
        if (!b.add(bytes)) {
            // What is unwritten is lost with the connection; a resume re-makes any offer still unanswered.
            onStalled.stalled(this, s, b.pendingBytes() + " bytes written that the client has not read");
            return;
        }
        s.writeTextMessage(text).onComplete(r -> b.written(bytes));
    }

    private static String abbreviate(String text) {
        String oneLine = text.replace("\r", "\\r").replace("\n", "\\n");
        return oneLine.length() <= LOGGED_MESSAGE_CHARS ? oneLine
                : oneLine.substring(0, LOGGED_MESSAGE_CHARS) + "...";
    }
}
