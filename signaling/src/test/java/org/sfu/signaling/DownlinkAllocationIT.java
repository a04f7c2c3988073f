package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sfu.media.router.Consumer;
import org.sfu.media.router.Peer;
import org.sfu.media.router.Producer;
import org.sfu.media.rtp.MediaKind;

/**
 * Each receiver's downlink estimate picks its simulcast layer (issue #14). A Chromium sender publishes three VP8
 * layers; two Chromium receivers, each in its own network namespace ({@link TestNetwork}), start on the top layer.
 * Then one receiver's downlink is limited to 300 kbit/s (a token bucket on its NAT's inside link: {@code tc tbf};
 * netem does not work on this kernel): the server's estimate for it falls, its allocation moves it to the lowest layer,
 * and it keeps decoding without a freeze after the switch, while the other stays on the top layer. Lifting the limit
 * moves it back up (a probe finds the headroom). Audio reaches both throughout. Then: a sender of one stream has no
 * layer to fall back on, and is told by REMB what its only receiver's limited downlink takes; and a downlink that cannot
 * carry even the lowest layer has the video paused (the receiver told) while the audio goes on, until it can again.
 */
class DownlinkAllocationIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String ROOM = "allocation";
    /** BandwidthAllocation.PAUSE_HOLD_NANOS (package-private there). */
    private static final long PAUSE_HOLD_MILLIS = 5_000;
    /** The limited receiver's NAT link toward it: its downlink. */
    private static final String LIMITED_LINK = TestNetwork.PREFIX + "2-l";

    /**
     * The receivers' own media is not what the test is about (the scenario is a sender and two receivers):
     * no microphone, and the camera small and switched off (a disabled track sends a black frame a second, a few
     * kbit/s). With their microphones, the limited receiver also got the other receiver's audio: two Opus streams at
     * 50 packets a second cost about 70 kbit/s each on the limited link (IP, UDP and Ethernet headers count against
     * the tbf), and with the 180p layer (about 150 kbit/s at 15 frames a second) the 300 kbit/s link was full: a
     * standing 450 ms queue (the tbf's 16 kB bucket counts towards its limit) and 2-7 % loss, which froze the low
     * layer (docs/QUALITY.md). (Refusing the page both devices, so that it joins with nothing to send, left the
     * second such page unloaded in two runs of two.)
     */
    private static final String RECEIVER = SimulcastIT.SMALL_CAMERA + """
            (() => {
              const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
              navigator.mediaDevices.getUserMedia = async constraints => {
                const stream = await gum(Object.assign({}, constraints, { audio: false }));
                stream.getVideoTracks().forEach(t => { t.enabled = false; });
                return stream;
              };
            })();
            """;

    private TestNetwork network;
    private SfuServer server;

    @BeforeEach
    void start() throws Exception {
        network = TestNetwork.create();
        server = SfuServer.start(LoopbackServer.config().withNetwork(TestNetwork.address(TestNetwork.SERVER),
                List.of(), List.of("10.77.0.0/16", "192.168.0.0/16"), 0));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (network != null) {
            network.close();
        }
    }

    private HeadlessChromium browser(TestNetwork.Site site, String script) throws Exception {
        HeadlessChromium page = HeadlessChromium.inNamespace(site.host(), site.hostAddress());
        page.beforeEveryPage(script);
        String url = "https://" + TestNetwork.SERVER + ":" + server.httpPort() + "/?room=" + ROOM;
        page.open(url);
        return page;
    }

    private Peer peer(String id) {
        return server.media().existingRouter(ROOM).peers().stream().filter(p -> p.id().equals(id)).findFirst()
                .orElseThrow();
    }

    private Consumer videoOf(String receiver, String owner) {
        return peer(receiver).consumers().stream()
                .filter(c -> c.producer().ownerId().equals(owner) && c.producer().kind() == MediaKind.VIDEO)
                .findFirst().orElseThrow();
    }

    private Producer camera(String sender) {
        return peer(sender).producers().stream().filter(p -> p.kind() == MediaKind.VIDEO).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static long of(Map<String, Object> stats, String key, String participant) {
        Object v = ((Map<String, Object>) stats.get(key)).get(participant);
        return v instanceof Number n ? n.longValue() : 0;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> videoStats(HeadlessChromium page) {
        return (Map<String, Object>) page.run(SimulcastIT.VIDEO_STATS);
    }

    private static long audioFrom(HeadlessChromium page, String participant) {
        return HeadlessChromium.perParticipant(page.stats(), "inboundAudio").getOrDefault(participant, 0L);
    }

    private String state(Producer camera, String receiverId, HeadlessChromium page) {
        StringBuilder sb = new StringBuilder("layers");
        for (int i = 0; i < camera.layerCount(); i++) {
            sb.append(' ').append(camera.layerRid(i)).append('=').append(camera.layerHeight(i)).append('p');
        }
        Consumer c = videoOf(receiverId, camera.ownerId());
        return sb.append("; consumer at ").append(c.currentLayer()).append(", allocated ").append(c.allocatedLayer())
                .append("; estimate ").append(peer(receiverId).downlinkEstimateBps()).append(" bps; counters ")
                .append(filtered(peer(receiverId).counters())).append("; page ").append(videoStats(page)).toString();
    }

    private static Map<String, Long> filtered(Map<String, Long> counters) {
        Map<String, Long> out = new java.util.TreeMap<>();
        counters.forEach((k, v) -> {
            if (k.startsWith("receiver_") || k.startsWith("allocation_") || k.startsWith("consumer_layer")) {
                out.put(k, v);
            }
        });
        return out;
    }

    @Test
    void aLimitedReceiverGetsTheLowLayerAndKeepsDecodingWhileTheOtherKeepsTheTopAndMovesUpWhenTheLimitGoes()
            throws Exception {
        TestNetwork.Site senderSite = network.addSite(1);
        TestNetwork.Site limitedSite = network.addSite(2);
        TestNetwork.Site freeSite = network.addSite(3);
        try (HeadlessChromium sender = browser(senderSite, SimulcastIT.SIMULCAST_SENDER);
             HeadlessChromium limited = browser(limitedSite, RECEIVER);
             HeadlessChromium free = browser(freeSite, RECEIVER)) {
            String senderId = ChromiumPages.clientId(sender, DEADLINE);
            String limitedId = ChromiumPages.clientId(limited, DEADLINE);
            String freeId = ChromiumPages.clientId(free, DEADLINE);
            Poll.until(DEADLINE, () -> camera(senderId).isSimulcast(), () -> "the sender's video is not simulcast");
            Producer camera = camera(senderId);
            int top = camera.layerCount() - 1;
            Poll.until(DEADLINE, () -> videoOf(limitedId, senderId).currentLayer() == top
                            && videoOf(freeId, senderId).currentLayer() == top
                            && of(videoStats(limited), "height", senderId) > 180
                            && of(videoStats(free), "height", senderId) > 180,
                    () -> "both receivers on the top layer: limited " + state(camera, limitedId, limited) + "; free "
                            + state(camera, freeId, free));
            Poll.until(DEADLINE, () -> peer(limitedId).downlinkEstimateBps() > 0,
                    () -> "the server estimates the downlink from feedback: " + state(camera, limitedId, limited));
            Consumer toLimited = videoOf(limitedId, senderId);
            Consumer toFree = videoOf(freeId, senderId);
            long freeSwitchesBefore = toFree.layerSwitches();
            long switchesBefore = toLimited.layerSwitches();
            long requestsBefore = toLimited.layerKeyframeRequests();

            // 300 kbit/s toward the limited receiver only.
            TestNetwork.ns(limitedSite.nat(), "tc", "qdisc", "add", "dev", LIMITED_LINK, "root", "tbf", "rate",
                    "300kbit", "burst", "16kb", "latency", "50ms");
            long limitedAt = System.nanoTime();
            Poll.until(DEADLINE, () -> toLimited.currentLayer() == 0
                            && of(videoStats(limited), "height", senderId) <= camera.layerHeight(0),
                    () -> "the limited receiver on the lowest layer: " + state(camera, limitedId, limited));
            long downMillis = (System.nanoTime() - limitedAt) / 1_000_000;
            System.out.println("DownlinkAllocationIT: on the low layer " + downMillis + " ms after the limit: "
                    + state(camera, limitedId, limited));
            long estimateLimited = peer(limitedId).downlinkEstimateBps();

            // It goes on decoding the low layer. The seconds before the switch lost much of the top layer at the
            // limit, and their repair may still stall the decoder once: freezes count from 15 frames on.
            long decodedAtSwitch = of(videoStats(limited), "decoded", senderId);
            Poll.until(DEADLINE, () -> of(videoStats(limited), "decoded", senderId) >= decodedAtSwitch + 15,
                    () -> "the limited receiver decoding the low layer: " + state(camera, limitedId, limited));
            Map<String, Object> onLow = videoStats(limited);
            long decodedOnLow = of(onLow, "decoded", senderId);
            long freezesOnLow = of(onLow, "freezes", senderId);
            long audioBefore = audioFrom(limited, senderId);
            long freeAudioBefore = audioFrom(free, senderId);
            long freeFreezesBefore = of(videoStats(free), "freezes", senderId);
            Map<String, Object>[] after = new Map[1];
            List<String> timeline = new java.util.ArrayList<>();
            Poll.until(DEADLINE, () -> {
                after[0] = videoStats(limited);
                timeline.add((System.nanoTime() - limitedAt) / 1_000_000 + " ms: estimate "
                        + peer(limitedId).downlinkEstimateBps() + ", layer " + toLimited.currentLayer() + ", decoded "
                        + of(after[0], "decoded", senderId) + ", freezes " + of(after[0], "freezes", senderId));
                return of(after[0], "decoded", senderId) >= decodedOnLow + 45;
            }, () -> "the limited receiver decoding on: " + state(camera, limitedId, limited));
            long freeFreezes = of(videoStats(free), "freezes", senderId) - freeFreezesBefore;
            assertTrue(of(after[0], "height", senderId) <= camera.layerHeight(0), "the low layer: " + after[0]);
            long limitedFreezes = of(after[0], "freezes", senderId) - freezesOnLow;
            System.out.println("DownlinkAllocationIT: on the low layer, the limited receiver froze " + limitedFreezes
                    + " times, the free one " + freeFreezes + " times; timeline " + timeline + "; load "
                    + java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            // Freezes come from the 2 shared cores too (three Chromiums, other builds): the free receiver, whose path
            // is not limited, is the control. The limited one, on the low layer, must not freeze more than it.
            assertTrue(limitedFreezes <= freeFreezes, "the limited receiver froze " + limitedFreezes
                    + " times on the low layer, the free one " + freeFreezes + ": " + state(camera, limitedId, limited)
                    + "; timeline " + timeline);
            assertEquals(0, toLimited.currentLayer(), state(camera, limitedId, limited));

            // The other receiver kept the top layer.
            assertEquals(top, toFree.currentLayer());
            assertEquals(freeSwitchesBefore, toFree.layerSwitches(), "the free receiver never switched");
            assertTrue(of(videoStats(free), "height", senderId) > 180, "the free one decodes the top layer");

            // Audio reached both.
            Poll.until(DEADLINE, () -> audioFrom(limited, senderId) > audioBefore + 50
                    && audioFrom(free, senderId) > freeAudioBefore + 50, () -> "the sender's audio at both");

            // The limit goes: a probe finds the headroom, and the receiver moves back up.
            TestNetwork.ns(limitedSite.nat(), "tc", "qdisc", "del", "dev", LIMITED_LINK, "root");
            long liftedAt = System.nanoTime();
            Poll.until(DEADLINE, () -> toLimited.currentLayer() == top,
                    () -> "the limited receiver back on the top layer: " + state(camera, limitedId, limited));
            long upMillis = (System.nanoTime() - liftedAt) / 1_000_000;
            Poll.until(DEADLINE, () -> of(videoStats(limited), "height", senderId) > camera.layerHeight(0),
                    () -> "the limited receiver decoding the top layer: " + state(camera, limitedId, limited));

            long switches = toLimited.layerSwitches() - switchesBefore;
            long requests = toLimited.layerKeyframeRequests() - requestsBefore;
            System.out.println("DownlinkAllocationIT: down to " + camera.layerHeight(0) + "p " + downMillis
                    + " ms after the 300 kbit/s limit (estimate then " + estimateLimited + " bps); back to "
                    + camera.layerHeight(top) + "p " + upMillis + " ms after it was lifted (estimate "
                    + peer(limitedId).downlinkEstimateBps() + " bps); " + requests + " keyframe request(s) for "
                    + switches + " switch(es); " + state(camera, limitedId, limited));
            assertTrue(upMillis <= 10_000, "up within 10 s of the limit going: " + upMillis + " ms");
            assertTrue(requests <= switches + 1, requests + " keyframe requests for " + switches + " switches");
        }
    }

    /** A sender of one 720p stream (no simulcast), as most mobile clients send. */
    private static final String SINGLE_STREAM_SENDER = """
            (() => {
              const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
              navigator.mediaDevices.getUserMedia = constraints => gum(Object.assign({}, constraints,
                  constraints && constraints.video ? { video: { width: { ideal: 1280 }, height: { ideal: 720 },
                                                                frameRate: { ideal: 15 } } } : {}));
            })();
            """;

    /**
     * A 1:1 call whose sender sends one stream: no layer to fall back on, so the server tells the sender, by REMB
     * (router.SenderBitrateLimit), what the receiver's downlink takes. Limited to 300 kbit/s, the receiver's
     * allocation allows the video what its estimate leaves after the audio, the sender's encoder (libwebrtc takes a
     * REMB as an upper bound beside transport-cc) comes down to it, and the receiver keeps decoding; when the limit
     * goes, the sender is allowed more again.
     */
    @Test
    void aSingleStreamSenderIsToldWhatItsOnlyReceiverCanTake() throws Exception {
        TestNetwork.Site senderSite = network.addSite(1);
        TestNetwork.Site limitedSite = network.addSite(2);
        try (HeadlessChromium sender = browser(senderSite, SINGLE_STREAM_SENDER);
             HeadlessChromium limited = browser(limitedSite, RECEIVER)) {
            String senderId = ChromiumPages.clientId(sender, DEADLINE);
            String limitedId = ChromiumPages.clientId(limited, DEADLINE);
            Poll.until(DEADLINE, () -> peer(senderId).producers().stream()
                            .anyMatch(p -> p.kind() == MediaKind.VIDEO),
                    () -> "the sender's video: " + peer(senderId).producers());
            Producer camera = camera(senderId);
            assertTrue(!camera.isSimulcast(), "one stream");
            sender.awaitStats(DEADLINE, "the sender's encoder at more than 600 kbit/s",
                    s -> HeadlessChromium.number(s, "videoTargetBitrate") > 600_000);
            Poll.until(DEADLINE, () -> of(videoStats(limited), "decoded", senderId) > 30,
                    () -> "the receiver decoding: " + videoStats(limited));
            long rembsBefore = peer(senderId).counters().getOrDefault("peer_remb_sent", 0L);

            TestNetwork.ns(limitedSite.nat(), "tc", "qdisc", "add", "dev", LIMITED_LINK, "root", "tbf", "rate",
                    "300kbit", "burst", "16kb", "latency", "50ms");
            long limitedAt = System.nanoTime();
            Map<String, Object> low = sender.awaitStats(DEADLINE, "the sender's encoder under 300 kbit/s",
                    s -> HeadlessChromium.number(s, "videoTargetBitrate") < 300_000);
            long downMillis = (System.nanoTime() - limitedAt) / 1_000_000;
            long rembs = peer(senderId).counters().getOrDefault("peer_remb_sent", 0L) - rembsBefore;
            assertTrue(rembs > 0, "told by REMB");
            long decoded = of(videoStats(limited), "decoded", senderId);
            Poll.until(DEADLINE, () -> of(videoStats(limited), "decoded", senderId) >= decoded + 30,
                    () -> "the receiver decoding on: " + videoStats(limited) + "; sender " + sender.stats());

            TestNetwork.ns(limitedSite.nat(), "tc", "qdisc", "del", "dev", LIMITED_LINK, "root");
            long liftedAt = System.nanoTime();
            sender.awaitStats(DEADLINE, "the sender's encoder above 600 kbit/s again",
                    s -> HeadlessChromium.number(s, "videoTargetBitrate") > 600_000);
            long upMillis = (System.nanoTime() - liftedAt) / 1_000_000;
            System.out.println("DownlinkAllocationIT: single stream: the sender's target under 300 kbit/s "
                    + downMillis + " ms after the limit (" + HeadlessChromium.number(low, "videoTargetBitrate")
                    + " bps, " + rembs + " REMBs by then), above 600 kbit/s " + upMillis
                    + " ms after it was lifted; receiver estimate " + peer(limitedId).downlinkEstimateBps() + " bps");
        }
    }

    /**
     * A downlink that cannot carry even the lowest layer beside the audio: after the 5 s hold the server pauses the
     * video for that receiver and says so ({@code video_paused}, which the demo page shows on the sender's tile), the
     * receiver keeps the audio, and once the limit goes the video resumes ({@code video_resumed}) and decodes again.
     */
    @Test
    void aDownlinkTooSlowForTheLowestLayerPausesTheVideoAndKeepsTheAudio() throws Exception {
        TestNetwork.Site senderSite = network.addSite(1);
        TestNetwork.Site limitedSite = network.addSite(2);
        try (HeadlessChromium sender = browser(senderSite, SimulcastIT.SIMULCAST_SENDER);
             HeadlessChromium limited = browser(limitedSite, RECEIVER)) {
            String senderId = ChromiumPages.clientId(sender, DEADLINE);
            String limitedId = ChromiumPages.clientId(limited, DEADLINE);
            Poll.until(DEADLINE, () -> camera(senderId).isSimulcast(), () -> "the sender's video is not simulcast");
            Producer camera = camera(senderId);
            Poll.until(DEADLINE, () -> of(videoStats(limited), "decoded", senderId) > 30
                            && peer(limitedId).downlinkEstimateBps() > 0,
                    () -> "the receiver decoding: " + state(camera, limitedId, limited));
            Consumer toLimited = videoOf(limitedId, senderId);

            // 100 kbit/s: the sender's audio (about 70 kbit/s on the wire) fits, its 180p layer (about 150) beside it
            // does not.
            TestNetwork.ns(limitedSite.nat(), "tc", "qdisc", "add", "dev", LIMITED_LINK, "root", "tbf", "rate",
                    "100kbit", "burst", "16kb", "latency", "50ms");
            long limitedAt = System.nanoTime();
            Poll.until(DEADLINE, () -> "bandwidth".equals(pausedReason(limited, senderId)),
                    () -> "the receiver told its video is paused: " + state(camera, limitedId, limited));
            long pausedMillis = (System.nanoTime() - limitedAt) / 1_000_000;
            assertTrue(toLimited.isPausedForBandwidth(), state(camera, limitedId, limited));
            assertTrue(pausedMillis >= PAUSE_HOLD_MILLIS, "not before the hold: " + pausedMillis);
            assertEquals(Boolean.TRUE, limited.run("return document.getElementById('remote-" + senderId
                    + "').classList.contains('paused-bandwidth')"), "the demo page shows it on the sender's tile");
            long audio = audioFrom(limited, senderId);
            Poll.until(DEADLINE, () -> audioFrom(limited, senderId) > audio + 100,
                    () -> "the audio goes on while the video is paused");

            TestNetwork.ns(limitedSite.nat(), "tc", "qdisc", "del", "dev", LIMITED_LINK, "root");
            long liftedAt = System.nanoTime();
            Poll.until(DEADLINE, () -> "".equals(pausedReason(limited, senderId)),
                    () -> "the receiver told its video resumed: " + state(camera, limitedId, limited));
            long resumedMillis = (System.nanoTime() - liftedAt) / 1_000_000;
            long decoded = of(videoStats(limited), "decoded", senderId);
            Poll.until(DEADLINE, () -> of(videoStats(limited), "decoded", senderId) >= decoded + 30,
                    () -> "the resumed video decoding: " + state(camera, limitedId, limited));
            System.out.println("DownlinkAllocationIT: paused " + pausedMillis + " ms after a 100 kbit/s limit, resumed "
                    + resumedMillis + " ms after it was lifted: " + state(camera, limitedId, limited));
        }
    }

    /** What the page was told of the sender's video: its pause reason, "" once resumed, null before either. */
    private static String pausedReason(HeadlessChromium page, String participant) {
        Object v = page.run("const p = window.sfu.videoPaused; return '" + participant + "' in p ? (p['"
                + participant + "'] || '') : null");
        return v == null ? null : v.toString();
    }
}
