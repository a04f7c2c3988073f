package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server with a native libwebrtc peer that is not a browser (webrtc-java, the engine of the mobile SDKs, with a
 * headless audio device module and signaling written like the API document's Android snippet) calling a stock
 * Chromium page through it. Each side must decode the other's video and receive the other's audio.
 */
class NativePeerCallIT {
    private static final Duration MEDIA_DEADLINE = Duration.ofSeconds(30);

    private SfuServer server;

    @BeforeEach
    void startServer() throws Exception {
        // Loopback only: the server binds 127.0.0.1 and talks ICE only with peers on 127.0.0.0/8.
        server = SfuServer.start(LoopbackServer.config());
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aNativePeerAndChromiumSeeAndHearEachOtherThroughTheServer() throws Exception {
        long start = System.nanoTime();
        try (HeadlessChromium browser = new HeadlessChromium();
             NativeWebRtcPeer nativePeer = NativeWebRtcPeer.join(server.httpPort())) {
            browser.open("https://localhost:" + server.httpPort() + "/?join");

            // Chromium's fake microphone beeps: energy in what the headless audio module played out is its audio.
            NativeWebRtcPeer.Stats heard = nativePeer.awaitStats(MEDIA_DEADLINE,
                    "30 frames of Chromium's video and 50 of its audio packets, played out",
                    s -> s.framesRendered() >= 30 && s.framesDecoded() >= 30 && s.audioPacketsReceived() >= 50
                            && s.audioEnergyPlayedOut() > 0);
            assertEquals("127.0.0.1", heard.remoteAddress(), "the native peer's selected pair: " + heard);
            assertEquals(server.udpPort(), heard.remotePort(), "the native peer's selected pair: " + heard);

            String nativeId = nativePeer.clientId();
            // The native peer sends a tone, not silence: Chromium must play out audio with energy in it.
            Map<String, Object> seen = browser.awaitStats(MEDIA_DEADLINE,
                    "30 frames of the native peer's video and 50 of its audio packets, with sound in them",
                    s -> HeadlessChromium.perParticipant(s, "inboundVideo").getOrDefault(nativeId, 0L) >= 30
                            && HeadlessChromium.perParticipant(s, "inboundAudio").getOrDefault(nativeId, 0L) >= 50
                            && audioEnergy(s, nativeId) > 0);
            assertEquals("127.0.0.1", seen.get("remoteAddress"), "Chromium's selected pair: " + seen);
            assertEquals(server.udpPort(), HeadlessChromium.number(seen, "remotePort"), "Chromium's selected pair");

            assertEquals(List.of(), nativePeer.errors(), "native peer errors");
            assertEquals(List.of(), seen.get("errors"), "page errors");
            assertEquals(2, server.clientCount());
            System.out.printf("media both ways after %d ms; native peer: %s; Chromium: video %s, audio %s, energy %s%n",
                    (System.nanoTime() - start) / 1_000_000, nativePeer.stats(),
                    seen.get("inboundVideo"), seen.get("inboundAudio"), seen.get("inboundAudioEnergy"));
        }
        // Both gone: the server frees their sessions.
        Poll.until(Duration.ofSeconds(10), () -> server.clientCount() == 0 && server.media().openTransports() == 0);
    }

    /** totalAudioEnergy (WebRTC stats) of the participant's audio as the page played it out. */
    @SuppressWarnings("unchecked")
    private static double audioEnergy(Map<String, Object> stats, String participant) {
        Map<String, Object> byMid = (Map<String, Object>) stats.get("inboundAudioEnergy");
        Map<String, Object> owners = (Map<String, Object>) stats.get("midToParticipant");
        double energy = 0;
        if (byMid != null && owners != null) {
            for (Map.Entry<String, Object> e : byMid.entrySet()) {
                if (participant.equals(owners.get(e.getKey())) && e.getValue() instanceof Number n) {
                    energy += n.doubleValue();
                }
            }
        }
        return energy;
    }
}
