package org.sfu.loadgen.janus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.dtls.DtlsCertificate;
import org.sfu.ice.IceEndpoint;
import org.sfu.loadgen.BaseParticipant;
import org.sfu.loadgen.ClientNegotiator;
import org.sfu.loadgen.ClientTransport;
import org.sfu.packet.PacketBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A participant of a Janus VideoRoom, played the way janus.js and a browser play it, with the same media as
 * {@link org.sfu.loadgen.WebRtcParticipant} sends to the project's server:
 * <ol>
 *   <li>a Janus session and a publisher handle; the first participant of a room creates the room;</li>
 *   <li>"joinandconfigure" as publisher with the same JSEP offer the generator sends our server (Opus, VP8 + RTX,
 *       BUNDLE, rtcp-mux, all candidates in the SDP, so {@code "trickle": false}); Janus's answer starts the
 *       publisher transport (ICE controlling, DTLS role from Janus's a=setup);</li>
 *   <li>once every other publisher of the room has been announced, one subscriber handle "join"s all their feeds at
 *       once (Janus 1.x multistream: one PeerConnection, one m-line per subscribed stream); Janus offers, the
 *       participant answers recvonly with "start" (ICE controlled, DTLS client as its answer says "active").</li>
 * </ol>
 * Subscribing once to all feeds avoids renegotiation; a participant whose room never fills never subscribes, and
 * setup times out, as it would against our server.
 *
 * <p>Both transports share the participant's one {@link IceEndpoint} (one socket, one receive thread): the
 * endpoint tells them apart by remote address, and Janus uses a separate port per PeerConnection.
 */
public final class JanusParticipant extends BaseParticipant {
    private static final Logger LOG = LoggerFactory.getLogger(JanusParticipant.class);
    static final String VIDEOROOM = "janus.plugin.videoroom";
    /** Janus's default session_timeout is 60 s; janus.js keeps alive every 25 s. */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(25);
    /** How long the publisher transport waits for Janus's own checks before it adds the answer's candidates. */
    private static final Duration LATE_CANDIDATES = Duration.ofMillis(1500);
    /** VideoRoom: "Room already exists". */
    private static final int ROOM_EXISTS = 427;

    /**
     * Where and how to reach Janus, shared by all participants of a run; {@code ice} is each participant's endpoint
     * (an address Janus also gathers candidates on: see LoadOptions#janusIceAddress).
     */
    public record Janus(URI api, HttpClient http, Executor handshakes, ScheduledExecutorService scheduler,
                        IceEndpoint.Options ice) {
    }

    private final long roomNumber;
    private final int publishersPerRoom;
    private final boolean createsRoom;
    private final Janus janus;
    private final DtlsCertificate certificate = DtlsCertificate.generate();
    private final long videoRtxSsrc = randomSsrc();

    private IceEndpoint endpoint;
    private JanusSession session;
    private ClientTransport publisher;
    private ClientNegotiator publisherNegotiator;
    private volatile ClientTransport subscriber;
    private ClientNegotiator subscriberNegotiator;
    private volatile long subscriberHandle;
    private volatile long feedId;
    private final Set<Long> otherFeeds = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean subscribing = new AtomicBoolean();
    private volatile boolean closed;

    private final LongAdder offersSent = new LongAdder();
    private final LongAdder answersReceived = new LongAdder();
    private final LongAdder offersAnswered = new LongAdder();
    private final LongAdder janusErrors = new LongAdder();
    private final LongAdder webrtcUp = new LongAdder();

    /**
     * @param roomNumber        Janus VideoRoom ids are numbers (string ids are a room-wide option we leave off)
     * @param publishersPerRoom how many publishers the room will have, this one included
     * @param createsRoom       whether this participant creates the room (the first of each room; participants
     *                          start one after the other, so the room exists before the others join)
     */
    public JanusParticipant(int index, String name, String room, long roomNumber, int publishersPerRoom,
                            boolean createsRoom, Janus janus) {
        super(index, name, room);
        this.roomNumber = roomNumber;
        this.publishersPerRoom = publishersPerRoom;
        this.createsRoom = createsRoom;
        this.janus = janus;
    }

    /** Blocks for the session, the handle and the room (a few ms on loopback); the rest is asynchronous. */
    @Override
    public void start() throws Exception {
        endpoint = IceEndpoint.open(janus.ice());
        publisher = transport(name + "-pub", true, LATE_CANDIDATES);
        publisherNegotiator = new ClientNegotiator(publisher.local(name, audioSsrc, videoSsrc, videoRtxSsrc));
        session = JanusSession.create(janus.http(), janus.api(), this::fail);
        session.keepAliveEvery(KEEP_ALIVE, janus.scheduler());
        long handle = session.attach(VIDEOROOM, this::onPublisherEvent);
        if (createsRoom) {
            createRoom(handle);
        }
        ObjectNode join = JanusSession.JSON.createObjectNode().put("request", "joinandconfigure")
                .put("room", roomNumber).put("ptype", "publisher").put("display", name)
                .put("audio", true).put("video", true);
        session.message(handle, join, jsep("offer", publisherNegotiator.createOffer())).exceptionally(this::failed);
        offersSent.increment();
    }

    /**
     * A room like our server's: no bit-rate cap (Janus would otherwise send REMB limits, which the generator ignores
     * anyway), Opus and VP8 only, the audio-level and transport-cc extensions the offer carries, no recording.
     */
    private void createRoom(long handle) throws Exception {
        ObjectNode create = JanusSession.JSON.createObjectNode().put("request", "create").put("room", roomNumber)
                .put("description", room).put("publishers", publishersPerRoom).put("bitrate", 0)
                .put("fir_freq", 0).put("audiocodec", "opus").put("videocodec", "vp8")
                .put("audiolevel_ext", true).put("audiolevel_event", false).put("transport_wide_cc_ext", true)
                .put("videoorient_ext", false).put("playoutdelay_ext", false).put("notify_joining", false)
                .put("record", false).put("permanent", false);
        JsonNode reply = session.request(handle, create);
        if (reply.has("error_code") && reply.path("error_code").asInt() != ROOM_EXISTS) {
            throw new JanusSession.JanusException("cannot create room " + roomNumber + ": " + reply);
        }
    }

    /** Events of the publisher handle, in order, on the HTTP client's thread. */
    private void onPublisherEvent(JsonNode event) {
        try {
            if (handleCommon(event, "publisher")) {
                return;
            }
            JsonNode data = event.path("plugindata").path("data");
            if (data.path("videoroom").asText().equals("joined")) {
                feedId = data.path("id").asLong();
            }
            JsonNode jsep = event.path("jsep");
            if (jsep.path("type").asText().equals("answer")) {
                answersReceived.increment();
                LOG.debug("{}: Janus answer {}", name, jsep.path("sdp").asText());
                ClientNegotiator.RemoteTransport remote = publisherNegotiator.onAnswer(jsep.path("sdp").asText());
                publisher.start(remote, ClientTransport.dtlsRoleFor(remote.setup()));
            }
            // "joined" lists the publishers already there, later events each new one.
            for (JsonNode p : data.path("publishers")) {
                long id = p.path("id").asLong();
                if (id != feedId) {
                    otherFeeds.add(id);
                }
            }
            if (otherFeeds.size() >= publishersPerRoom - 1 && subscribing.compareAndSet(false, true)) {
                subscribe();
            }
        } catch (RuntimeException e) {
            fail("cannot handle a publisher event: " + e);
        }
    }

    /**
     * A transport on the participant's endpoint whose failures are reported with its name. The publisher's agent is
     * controlling (the client offers) and waits for Janus's checks before adding the answer's candidates; the
     * subscriber's is controlled (Janus offers). Either way the DTLS role follows Janus's a=setup.
     */
    private ClientTransport transport(String transportName, boolean controlling, Duration lateCandidates) {
        return new ClientTransport(transportName, "Janus", endpoint, controlling, lateCandidates, certificate,
                reception, janus.handshakes(), reason -> fail(transportName + ": " + reason));
    }

    /** One subscriber handle for every other feed of the room (Janus 1.x multistream). */
    private void subscribe() {
        subscriber = transport(name + "-sub", false, null);
        subscriberNegotiator = new ClientNegotiator(subscriber.local(name, audioSsrc, videoSsrc, videoRtxSsrc));
        ObjectNode join = JanusSession.JSON.createObjectNode().put("request", "join").put("room", roomNumber)
                .put("ptype", "subscriber");
        ArrayNode streams = join.putArray("streams");
        List<Long> feeds = new ArrayList<>(otherFeeds);
        for (long feed : feeds) {
            streams.addObject().put("feed", feed);
        }
        session.attachAsync(VIDEOROOM, this::onSubscriberEvent).thenCompose(handle -> {
            subscriberHandle = handle;
            return session.message(handle, join, null);
        }).exceptionally(this::failed);
    }

    /** Events of the subscriber handle: Janus's offer (first, or "updated"), answered with "start". */
    private void onSubscriberEvent(JsonNode event) {
        try {
            if (handleCommon(event, "subscriber")) {
                return;
            }
            JsonNode jsep = event.path("jsep");
            if (jsep.path("type").asText().equals("offer")) {
                ClientNegotiator.Answer answer = subscriberNegotiator.onOffer(jsep.path("sdp").asText());
                // Janus's addresses are registered on the shared port before our answer lets Janus check: a check
                // that arrived first would bind the address, and registering it again would replace that socket.
                ClientNegotiator.RemoteTransport remote = answer.transport();
                subscriber.start(remote, ClientTransport.dtlsRoleFor(remote.setup()));
                ObjectNode start = JanusSession.JSON.createObjectNode().put("request", "start");
                session.message(subscriberHandle, start, jsep("answer", answer.sdp())).exceptionally(this::failed);
                offersAnswered.increment();
            }
        } catch (RuntimeException e) {
            fail("cannot handle a subscriber event: " + e);
        }
    }

    /** Core events (webrtcup, media, slowlink, hangup, detached) and plugin errors; true if nothing more to do. */
    private boolean handleCommon(JsonNode event, String which) {
        switch (event.path("janus").asText()) {
            case "event" -> {
                JsonNode data = event.path("plugindata").path("data");
                if (data.has("error_code")) {
                    janusErrors.increment();
                    fail(which + ": VideoRoom error " + data.path("error_code").asInt() + " "
                            + data.path("error").asText());
                    return true;
                }
                return false;
            }
            case "webrtcup" -> webrtcUp.increment();
            case "hangup", "detached" -> {
                if (!closed) {
                    fail(which + ": Janus hung up (" + event.path("reason").asText() + ")");
                }
            }
            default -> {
                // media, slowlink, trickle: not needed here.
            }
        }
        return true;
    }

    private static ObjectNode jsep(String type, String sdp) {
        // Every candidate is in the SDP and a=end-of-candidates is there: no trickle (janus.js's "trickle": false).
        return JanusSession.JSON.createObjectNode().put("type", type).put("sdp", sdp).put("trickle", false);
    }

    private <T> T failed(Throwable e) {
        fail("Janus request failed: " + (e.getCause() != null ? e.getCause().getMessage() : e.toString()));
        return null;
    }

    private void fail(String reason) {
        if (failure == null && !closed) {
            failure = reason;
            LOG.warn("{}: {}", name, reason);
        }
    }

    @Override
    public boolean canSend() {
        return publisher != null && publisher.canSend() && failure == null;
    }

    @Override
    public boolean sendRtp(PacketBuffer packet) {
        return publisher.sendRtp(packet);
    }

    @Override
    public boolean takeKeyframeRequest() {
        return publisher.takeKeyframeRequest();
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("janus_offers_sent", offersSent.sum());
        m.put("janus_answers_received", answersReceived.sum());
        m.put("janus_offers_answered", offersAnswered.sum());
        m.put("janus_errors", janusErrors.sum());
        m.put("janus_webrtcup", webrtcUp.sum());
        m.put("janus_feeds_seen", (long) otherFeeds.size());
        m.put("rtp_unrecognised", reception.unrecognised());
        if (publisher != null) {
            publisher.addCounters("publisher.", m);
        }
        ClientTransport s = subscriber;
        if (s != null) {
            s.addCounters("subscriber.", m);
        }
        return m;
    }

    @Override
    public void close() {
        closed = true;
        if (session != null) {
            session.close();
        }
        ClientTransport s = subscriber;
        if (s != null) {
            s.close();
        }
        if (publisher != null) {
            publisher.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
    }

    @Override
    public String toString() {
        return name + (feedId == 0 ? "" : " (feed " + feedId + ")");
    }
}
