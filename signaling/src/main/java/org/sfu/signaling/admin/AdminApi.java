package org.sfu.signaling.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sfu.media.MediaEngine;
import org.sfu.media.feedback.RoundTripTime;
import org.sfu.media.router.Consumer;
import org.sfu.media.router.Peer;
import org.sfu.media.router.Producer;
import org.sfu.media.transport.WebRtcTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's view of the running server, as JSON under {@code /api} (docs/ADMIN.md): the rooms, who is in one and
 * what they send and receive, and removing a participant or closing a room. Every request passes {@link AdminAccess}
 * first; what it shows are ids and counts, never media or keys.
 */
public final class AdminApi {
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);

    /** Ends a participant's session, as the operator asked; false when there is no such session. */
    @FunctionalInterface
    public interface Sessions {
        boolean remove(String participantId);
    }

    private final MediaEngine media;
    private final AdminAccess access;
    private final Sessions sessions;
    private final ObjectMapper json = JsonMapper.builder().build();

    public AdminApi(MediaEngine media, AdminAccess access, Sessions sessions) {
        this.media = media;
        this.access = access;
        this.sessions = sessions;
    }

    /** Adds the routes under {@code /api} to {@code web}. */
    public void mount(Router web) {
        web.route("/api/*").handler(this::checkAccess);
        web.get("/api/rooms").handler(ctx -> reply(ctx, 200, Map.of("rooms", rooms())));
        web.get("/api/rooms/:room").handler(ctx -> {
            org.sfu.media.router.Router room = media.existingRouter(ctx.pathParam("room"));
            if (room == null) {
                reply(ctx, 404, Map.of("error", "no such room"));
            } else {
                reply(ctx, 200, room(room, "true".equals(ctx.request().getParam("addresses"))));
            }
        });
        web.delete("/api/rooms/:room/participants/:id").handler(ctx -> {
            org.sfu.media.router.Router room = media.existingRouter(ctx.pathParam("room"));
            String id = ctx.pathParam("id");
            if (room == null || !room.peerIds().contains(id) || !sessions.remove(id)) {
                reply(ctx, 404, Map.of("error", "no such participant in that room"));
                return;
            }
            LOG.info("Admin: removed participant {} from room {}", id, room.id());
            ctx.response().setStatusCode(204).end();
        });
        web.post("/api/rooms/:room/participants/:id/tracks/:track/mute").handler(ctx -> mute(ctx, true));
        web.post("/api/rooms/:room/participants/:id/tracks/:track/unmute").handler(ctx -> mute(ctx, false));
        web.delete("/api/rooms/:room").handler(ctx -> {
            org.sfu.media.router.Router room = media.existingRouter(ctx.pathParam("room"));
            if (room == null) {
                reply(ctx, 404, Map.of("error", "no such room"));
                return;
            }
            List<String> ids = room.peerIds();
            ids.forEach(sessions::remove);
            LOG.info("Admin: closed room {} ({} participants removed)", room.id(), ids.size());
            ctx.response().setStatusCode(204).end();
        });
    }

    /** Mutes or unmutes one published track for everyone in the room (docs/ADMIN.md). */
    private void mute(RoutingContext ctx, boolean muted) {
        org.sfu.media.router.Router room = media.existingRouter(ctx.pathParam("room"));
        Peer owner = room == null ? null : room.peers().stream().filter(p -> p.id().equals(ctx.pathParam("id")))
                .findFirst().orElse(null);
        Producer track = null;
        if (owner != null) {
            for (Producer p : owner.producers()) {
                if (p.id().equals(ctx.pathParam("track"))) {
                    track = p;
                }
            }
        }
        if (track == null) {
            reply(ctx, 404, Map.of("error", "no such track of that participant in that room"));
            return;
        }
        if (room.setMuted(track, muted)) {
            LOG.info("Admin: {} track {} of participant {} in room {}", muted ? "muted" : "unmuted", track.id(),
                    owner.id(), room.id());
        }
        ctx.response().setStatusCode(204).end();
    }

    private void checkAccess(RoutingContext ctx) {
        String address = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
        int refusal = access.refusal(address, ctx.request().getHeader("Authorization"));
        if (refusal == 0) {
            ctx.next();
            return;
        }
        LOG.info("Admin: request from {} refused ({})", address, refusal);
        if (refusal == 401) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
        }
        reply(ctx, refusal, Map.of("error", refusal == 401 ? "a valid admin token is required"
                : "the admin API answers only the machine itself unless SFU_ADMIN_TOKEN is set"));
    }

    private List<Map<String, Object>> rooms() {
        List<Map<String, Object>> rooms = new ArrayList<>();
        for (org.sfu.media.router.Router r : media.routers()) {
            rooms.add(Map.of("name", r.id(), "participants", r.size()));
        }
        return rooms;
    }

    private static Map<String, Object> room(org.sfu.media.router.Router room, boolean addresses) {
        long now = System.nanoTime();
        List<Map<String, Object>> participants = new ArrayList<>();
        for (Peer p : room.peers()) {
            Map<String, Object> participant = new LinkedHashMap<>();
            participant.put("id", p.id());
            if (p.grants().identity() != null) {
                participant.put("identity", p.grants().identity());
            }
            participant.put("connected", p.transport().isConnected());
            participant.put("path", path(p.transport(), addresses));
            List<Map<String, Object>> tracks = new ArrayList<>();
            for (Producer track : p.producers()) {
                tracks.add(track(track, now));
            }
            participant.put("publishing", tracks);
            participant.put("receiving", p.consumers().size());
            participant.put("rtt", roundTripMillis(p));
            Map<String, Long> counters = p.counters();
            participant.put("packetsReceived", counters.getOrDefault("rtp_received", 0L));
            participant.put("packetsSent", counters.getOrDefault("rtp_sent", 0L));
            long estimate = p.downlinkEstimateBps();
            if (estimate >= 0) {
                // What the server estimates the path to the participant carries, once it has sent transport-cc feedback.
                participant.put("downlinkEstimateBps", estimate);
            }
            participants.add(participant);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", room.id());
        out.put("participants", participants);
        return out;
    }

    /**
     * The latest round trip between the server and the participant, in milliseconds (one decimal), measured on any of
     * the streams it receives (RFC 3550 §6.4.1, RoundTripTime); null before one was, and for a participant that
     * receives nothing (the server sends it no sender reports to echo).
     */
    private static Double roundTripMillis(Peer p) {
        long nanos = -1;
        long latest = 0;
        for (Consumer c : p.consumers()) {
            RoundTripTime rtt = c.roundTrip();
            long measured = rtt.nanos();
            if (measured >= 0 && (nanos < 0 || rtt.measuredAtNanos() - latest > 0)) {
                nanos = measured;
                latest = rtt.measuredAtNanos();
            }
        }
        return nanos < 0 ? null : Math.round(nanos / 100_000.0) / 10.0;
    }

    /** One published track with what it brought in lately. */
    private static Map<String, Object> track(Producer track, long now) {
        Producer.Stats stats = track.stats(now);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", track.id());
        out.put("kind", track.kind().sdpName());
        out.put("mid", track.mid());
        out.put("ssrc", track.ssrc());
        out.put("codec", stats.codec() == null ? null : stats.codec().name() + "/" + stats.codec().clockRate());
        out.put("muted", track.isMuted());
        out.put("packets", stats.packets());
        out.put("bitrate", stats.bitrate());
        out.put("packetsLost", stats.packetsLost());
        // RFC 3550 §6.4.1's fraction, over the whole stream rather than the last report interval.
        out.put("lossFraction", stats.packetsExpected() == 0 ? 0.0
                : Math.round(1000.0 * stats.packetsLost() / stats.packetsExpected()) / 1000.0);
        out.put("packetsSentToReceivers", track.sentToReceivers());
        return out;
    }

    /**
     * The participant's network path: the selected candidate pair's types, UDP or TCP, and the address family. Its
     * address is personal data (it locates the person), so only when the operator asks for it.
     */
    private static Map<String, Object> path(WebRtcTransport transport, boolean addresses) {
        String[] types = transport.selectedCandidateTypes();
        InetSocketAddress remote = transport.remoteAddress();
        if (types == null || remote == null) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("protocol", transport.selectedTransport());
        out.put("localCandidateType", types[0]);
        out.put("remoteCandidateType", types[1]);
        out.put("addressFamily", remote.getAddress() instanceof Inet6Address ? "ipv6" : "ipv4");
        if (addresses) {
            out.put("remoteAddress", remote.getAddress().getHostAddress());
            out.put("remotePort", remote.getPort());
        }
        return out;
    }

    private void reply(RoutingContext ctx, int status, Object body) {
        String text;
        try {
            text = json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            ctx.fail(e);
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(text);
    }
}
