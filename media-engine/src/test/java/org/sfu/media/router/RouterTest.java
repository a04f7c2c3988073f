package org.sfu.media.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sfu.dtls.DtlsCertificate;
import org.sfu.ice.IceEndpoint;
import org.sfu.media.counters.CounterRegistry;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.sdp.Direction;
import org.sfu.media.sdp.MediaDescription;
import org.sfu.media.sdp.SessionDescription;

/**
 * A router and its participants through their public entry points (offers, joins, the subscription policy), with
 * Chromium's captured offer as every participant's: who gets which consumer, under which SSRC, flowing or paused.
 * Nothing connects: the ICE endpoint is on loopback and no peer answers.
 */
class RouterTest {
    private IceEndpoint endpoint;
    private final ExecutorService handshakes = Executors.newCachedThreadPool();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final CounterRegistry counters = new CounterRegistry();
    private MediaContext context;
    private String chromiumOffer;

    @BeforeEach
    void setUp() throws IOException {
        endpoint = IceEndpoint.open(IceEndpoint.Options.loopback());
        // The server waits a minute for a participant's own offer before it offers: every participant here offers.
        context = new MediaContext(endpoint, DtlsCertificate.generate(), null, handshakes, timer, 60_000, 0, 60_000,
                60_000, 60_000, counters);
        try (InputStream in = RouterTest.class.getResourceAsStream("/sdp/chromium-offer-audio-video.sdp")) {
            chromiumOffer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @AfterEach
    void tearDown() {
        timer.shutdownNow();
        handshakes.shutdownNow();
        endpoint.close();
    }

    @Test
    void participantsThatSendTheSameSsrcsAreOfferedUnderSsrcsOfTheReceiversOwn() throws Exception {
        Router router = new Router("same-ssrcs", context, 16, r -> { });
        Recorder carolSignaling = new Recorder();
        Peer alice = router.join("alice", new Recorder());
        Peer bob = router.join("bob", new Recorder());
        Peer carol = router.join("carol", carolSignaling);
        // Alice and bob are the same captured Chromium: same SSRCs, same everything.
        alice.onOffer(chromiumOffer);
        bob.onOffer(chromiumOffer);
        // Carol calls last; the server answers and then offers her what the others send.
        carol.onOffer(chromiumOffer);

        assertEquals(4, carol.consumers().size(), "alice's and bob's audio and video");
        Set<Long> ssrcs = new HashSet<>();
        for (Consumer c : carol.consumers()) {
            assertTrue(ssrcs.add(c.ssrc()), "distinct: " + c.ssrc());
            if (c.rtxSsrc() >= 0) {
                assertTrue(ssrcs.add(c.rtxSsrc()));
            }
            assertNotEquals(c.producer().ssrc(), c.ssrc(), "not the sender's SSRC");
            assertEquals(c, carol.streams().consumerBySsrc(c.ssrc()), "carol's RTCP about it finds it");
        }
        String offer = carolSignaling.lastOffer();
        assertNotNull(offer, "carol was offered the tracks");
        Set<Long> offered = new HashSet<>();
        for (MediaDescription m : SessionDescription.parse(offer).media()) {
            if (m.direction() == Direction.SENDONLY) {
                offered.addAll(m.ssrcAttributes().keySet());
            }
        }
        assertEquals(ssrcs, offered, "the offer names exactly the consumers' SSRCs (RFC 5576)");

        // Every stage's counters are in the registry, labelled with whose they are.
        List<CounterRegistry.Sample> carols = counters.snapshot(l -> "carol".equals(l.get("participant")));
        assertEquals(Set.of("transport", "session", "consent", "producer", "consumer"),
                carols.stream().map(x -> x.labels().get("stage")).collect(java.util.stream.Collectors.toSet()));
        assertEquals(4, carols.stream().filter(x -> x.name().equals("consumer_rtp_sent"))
                .map(x -> x.labels().get("stream")).distinct().count(), "one per consumer");
        assertTrue(carols.stream().allMatch(x -> "same-ssrcs".equals(x.labels().get("room"))));
        assertTrue(carols.stream().anyMatch(x -> x.name().equals("consumer_dropped")
                && "inactive".equals(x.labels().get("reason"))), "a drop is one counter with a reason");
        assertTrue(carol.counters().containsKey("consumer_dropped_inactive"), "and the flat view keeps its name");

        router.peers().forEach(Peer::close);
        assertEquals(0, counters.size(), "everyone left: nothing registered");
    }

    /**
     * What the ICE agent refuses or drops counts against the participant in the registry, like its transport's
     * drops: remote candidates over the limit (docs/SECURITY.md: ignored, counted), and datagrams on its path that
     * are neither DTLS, RTP nor RTCP (a flooder's garbage must show up against the flooder).
     */
    @Test
    void theIceAgentsCountersAreTheParticipantsToo() throws Exception {
        Router router = new Router("ice-counters", context, 16, r -> { });
        Peer alice = router.join("alice", new Recorder());
        alice.onOffer(chromiumOffer);
        for (int i = 0; i < 80; i++) {
            alice.onCandidate("candidate:" + i + " 1 udp 2122194687 127.0.0." + (i % 250 + 1) + " " + (20_000 + i)
                    + " typ host generation 0");
        }
        Map<String, Long> flat = alice.counters();
        assertTrue(flat.getOrDefault("ice_remote_candidates_ignored", 0L) > 0, "over the limit, counted: " + flat);
        assertTrue(flat.containsKey("ice_packets_dropped_not_dtls_or_rtp"), flat.toString());
        assertTrue(counters.snapshot(l -> "alice".equals(l.get("participant"))).stream()
                .anyMatch(x -> x.name().equals("ice_packets_dropped") && "not_dtls_or_rtp".equals(x.labels()
                        .get("reason")) && "transport".equals(x.labels().get("stage"))), "a drop with its reason");
        router.peers().forEach(Peer::close);
    }

    @Test
    void aSubscriptionPolicyExpressesPublishOnlyAndPausedTracksWithoutThePacketPath() throws Exception {
        // Carol only publishes (a broadcaster); bob sees alice's video only when he scrolls to it.
        boolean[] bobShowsAlice = {false};
        SubscriptionPolicy policy = (receiver, producer) -> {
            if (receiver.equals("carol") || producer.ownerId().equals(receiver)) {
                return SubscriptionPolicy.Subscription.NONE;
            }
            if (receiver.equals("bob") && producer.ownerId().equals("alice") && !producer.isAudio()) {
                return bobShowsAlice[0] ? SubscriptionPolicy.Subscription.FLOWING
                        : SubscriptionPolicy.Subscription.PAUSED;
            }
            return SubscriptionPolicy.Subscription.FLOWING;
        };
        Router router = new Router("policy", context, 16, r -> { }, policy);
        Peer alice = router.join("alice", new Recorder());
        Peer bob = router.join("bob", new Recorder());
        Peer carol = router.join("carol", new Recorder());
        alice.onOffer(chromiumOffer);
        carol.onOffer(chromiumOffer);

        assertEquals(0, carol.consumers().size(), "publish-only: carol receives nothing");
        assertEquals(4, bob.consumers().size(), "alice's and carol's tracks, paused ones included");
        Consumer aliceVideo = bob.consumers().stream()
                .filter(c -> c.producer().ownerId().equals("alice") && !c.producer().isAudio()).findFirst().get();
        assertTrue(aliceVideo.isPaused());
        assertEquals(3, bob.consumers().stream().filter(c -> !c.isPaused()).count());
        assertEquals(2, alice.consumers().size(), "carol's audio and video");

        bobShowsAlice[0] = true;
        router.subscriptionsChanged();

        assertFalse(aliceVideo.isPaused(), "the same consumer resumes: same SSRC, same m-line");
        assertEquals(aliceVideo, bob.streams().consumerBySsrc(aliceVideo.ssrc()));
        router.peers().forEach(Peer::close);
    }

    @Test
    void grantsFromATokenKeepAViewersAndAListenersTracksWhereTheyBelong() throws Exception {
        Router router = new Router("grants", context, 16, r -> { });
        Recorder aliceSignaling = new Recorder();
        Peer alice = router.join("alice", new Grants("Alice", true, true), aliceSignaling);
        // A viewer: may receive, may not publish. It offers a camera anyway (a client that ignores its token).
        Peer viewer = router.join("viewer", new Grants("Vic", false, true), new Recorder());
        // A publisher that may not subscribe (a broadcaster).
        Peer broadcaster = router.join("broadcaster", new Grants("Bea", true, false), new Recorder());
        alice.onOffer(chromiumOffer);
        viewer.onOffer(chromiumOffer);
        broadcaster.onOffer(chromiumOffer);

        assertEquals(2, viewer.producers().size(), "the viewer's tracks arrive and are read");
        assertEquals(Set.of("broadcaster"), owners(alice), "alice never gets the viewer's tracks");
        assertEquals(Set.of("alice", "broadcaster"), owners(viewer));
        assertEquals(0, broadcaster.consumers().size(), "no subscribe grant: no consumer of anyone");
        assertTrue(aliceSignaling.joined.containsAll(List.of("viewer=Vic", "broadcaster=Bea")),
                "the others hear who joined, by identity: " + aliceSignaling.joined);
        router.peers().forEach(Peer::close);
    }

    @Test
    void theRouterKeepsEachParticipantsConsumersInLineWithWhoIsThere() throws Exception {
        // A careless policy that says yes to everything: nobody is sent its own tracks all the same.
        Router router = new Router("line", context, 16, r -> { }, (receiver, producer) ->
                SubscriptionPolicy.Subscription.FLOWING);
        Peer alice = router.join("alice", new Recorder());
        Peer bob = router.join("bob", new Recorder());
        Peer carol = router.join("carol", new Recorder());
        alice.onOffer(chromiumOffer);
        bob.onOffer(chromiumOffer);

        assertEquals(Set.of("bob"), owners(alice));
        assertEquals(Set.of("alice"), owners(bob));
        assertEquals(Set.of("alice", "bob"), owners(carol));
        List<Producer> alicesTracks = alice.producers();
        assertTrue(alicesTracks.stream().allMatch(p -> p.consumers().size() == 2), "bob and carol consume alice");
        List<Consumer> carolsOfAlice = carol.consumers().stream()
                .filter(c -> c.producer().ownerId().equals("alice")).toList();

        alice.close();

        assertEquals(Set.of("bob"), owners(carol), "alice's consumers went with her");
        assertEquals(Set.of(), owners(bob));
        assertTrue(alicesTracks.stream().allMatch(p -> p.consumers().isEmpty()), "and left her producers");
        for (Consumer c : carolsOfAlice) {
            assertEquals(null, carol.streams().consumerBySsrc(c.ssrc()), "gone from the packet path's table");
        }
        for (Consumer c : carol.consumers()) {
            assertEquals(c, carol.streams().consumerBySsrc(c.ssrc()), "which has what is left");
        }
        router.peers().forEach(Peer::close);
    }

    @Test
    void aReceiverPausesAndResumesOneParticipantsVideoForItselfOnly() throws Exception {
        Router router = new Router("pause", context, 16, r -> { });
        Peer alice = router.join("alice", new Recorder());
        Peer bob = router.join("bob", new Recorder());
        Peer carol = router.join("carol", new Recorder());
        alice.onOffer(chromiumOffer);
        bob.onOffer(chromiumOffer);
        carol.onOffer(chromiumOffer);
        Consumer bobsAliceVideo = consumerOf(bob, "alice", MediaKind.VIDEO);
        Consumer bobsAliceAudio = consumerOf(bob, "alice", MediaKind.AUDIO);
        Consumer carolsAliceVideo = consumerOf(carol, "alice", MediaKind.VIDEO);

        assertTrue(router.setPaused("bob", "alice", MediaKind.VIDEO, true));

        assertTrue(bobsAliceVideo.isPaused(), "bob scrolled alice's tile away");
        assertFalse(bobsAliceAudio.isPaused(), "he still hears her");
        assertFalse(carolsAliceVideo.isPaused(), "carol still sees her");
        assertEquals(bobsAliceVideo, consumerOf(bob, "alice", MediaKind.VIDEO), "the same consumer: no renegotiation");

        assertTrue(router.setPaused("bob", "alice", MediaKind.VIDEO, false));
        assertFalse(bobsAliceVideo.isPaused());

        assertFalse(router.setPaused("bob", "nobody", MediaKind.VIDEO, true), "only participants in the room");
        assertFalse(router.setPaused("bob", "bob", MediaKind.VIDEO, true), "nor oneself");
        assertTrue(router.setPaused("bob", "carol", MediaKind.AUDIO, true));
        carol.close();
        assertFalse(router.setPaused("bob", "carol", MediaKind.AUDIO, false), "carol left, and her pause with her");
        router.peers().forEach(Peer::close);
    }

    private static Consumer consumerOf(Peer receiver, String owner, MediaKind kind) {
        return receiver.consumers().stream()
                .filter(c -> c.producer().ownerId().equals(owner) && c.producer().kind() == kind)
                .findFirst().orElseThrow();
    }

    private static Set<String> owners(Peer receiver) {
        Set<String> owners = new HashSet<>();
        receiver.consumers().forEach(c -> owners.add(c.producer().ownerId()));
        return owners;
    }

    /** A participant's signaling channel that keeps what the server sent it. */
    /**
     * A Chromium sender with three simulcast layers: receivers are offered one plain video m-line of it, and a
     * receiver's maximum height (video_quality) reaches its consumer of that video, also when the receiver said it
     * before the sender's video existed.
     */
    @Test
    void aSimulcastSendersVideoIsOnePlainStreamToEachReceiverWithItsMaximumHeight() throws Exception {
        String simulcastOffer;
        try (InputStream in = RouterTest.class.getResourceAsStream("/sdp/chromium-offer-simulcast.sdp")) {
            simulcastOffer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Router router = new Router("simulcast", context, 16, r -> { });
        Recorder bobSignaling = new Recorder();
        Peer alice = router.join("alice", new Recorder());
        Peer bob = router.join("bob", bobSignaling);
        bob.onOffer(chromiumOffer);
        assertTrue(router.setMaxHeight("bob", "alice", 180), "alice is in the room, if not sending yet");
        assertFalse(router.setMaxHeight("bob", "nobody", 180));
        assertFalse(router.setMaxHeight("bob", "bob", 180), "not one's own video");

        alice.onOffer(simulcastOffer);

        Producer camera = alice.producers().stream().filter(p -> p.kind() == MediaKind.VIDEO).findFirst()
                .orElseThrow();
        assertTrue(camera.isSimulcast());
        assertEquals(List.of("q", "h", "f"), java.util.stream.IntStream.range(0, camera.layerCount())
                .mapToObj(camera::layerRid).toList());
        Consumer video = bob.consumers().stream().filter(c -> c.producer() == camera).findFirst().orElseThrow();
        assertEquals(180, video.maxHeight(), "said before alice's video existed, kept for it");
        MediaDescription offered = SessionDescription.parse(bobSignaling.lastOffer()).media().stream()
                .filter(m -> m.kind().equals("video") && m.direction() == Direction.SENDONLY).findFirst()
                .orElseThrow();
        assertTrue(offered.attributes("rid").isEmpty() && offered.attributes("simulcast").isEmpty(),
                "a receiver gets one plain stream");
        assertEquals(Set.of(video.ssrc(), video.rtxSsrc()), offered.ssrcAttributes().keySet());

        router.setMaxHeight("bob", "alice", 0);
        assertEquals(Consumer.UNLIMITED_HEIGHT, video.maxHeight());
        router.peers().forEach(Peer::close);
    }

    private static final class Recorder implements PeerSignaling {
        final List<String> offers = new ArrayList<>();
        final List<String> joined = new ArrayList<>();

        @Override
        public synchronized void participantJoined(String participantId, String identity) {
            joined.add(participantId + "=" + identity);
        }

        @Override
        public synchronized void sendOffer(String sdp, boolean carriesOthersMedia) {
            offers.add(sdp);
        }

        synchronized String lastOffer() {
            return offers.isEmpty() ? null : offers.get(offers.size() - 1);
        }

        @Override
        public void sendAnswer(String sdp) {
        }

        @Override
        public void sendCandidate(String candidate, String sdpMid, int sdpMLineIndex) {
        }

        @Override
        public void sendError(String code, String message) {
        }

        @Override
        public void close(String reason) {
        }
    }
}
