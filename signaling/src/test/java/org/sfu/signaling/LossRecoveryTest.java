package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Loss on the path to a receiver is repaired by retransmission: the server drops 5% of the RTP it sends (a stage
 * only tests switch on), the receiving Chromium NACKs what is missing, the server resends it from its cache as RTX,
 * and under 1% of the video stays lost.
 *
 * <p>Chromium's packetsLost is the RFC 3550 count for the media SSRC: a packet repaired over RTX (RFC 4588) still
 * counts there, and arrives in retransmittedPacketsReceived. What stays lost is the difference.
 */
class LossRecoveryTest {
    private SfuServer server;

    @BeforeEach
    void startServer() throws Exception {
        server = SfuServer.start(LoopbackServer.config().withSimulatedLoss(0.05));
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void fivePercentLossToAReceiverIsRepairedByNack() throws Exception {
        String page = "https://localhost:" + server.httpPort() + "/";
        try (HeadlessChromium sender = new HeadlessChromium(); HeadlessChromium receiver = new HeadlessChromium()) {
            sender.open(page);
            receiver.open(page);
            // Ten seconds of video: at 5% loss about 30 of every 600 packets are dropped on the way.
            Map<String, Object> s = receiver.awaitStats(Duration.ofSeconds(30), "300 decoded frames",
                    stats -> HeadlessChromium.number(stats, "framesDecoded") >= 300);
            long nacks = HeadlessChromium.number(s, "videoNackCount");
            long lost = HeadlessChromium.number(s, "videoPacketsLost");
            long received = HeadlessChromium.number(s, "videoPacketsReceived");
            long repaired = HeadlessChromium.number(s, "videoRetransmittedPacketsReceived");
            assertTrue(nacks > 0, "the receiver asked for retransmissions: " + s);
            assertTrue(received > 300, "video flowed: " + s);
            assertTrue(s.get("videoRtxSsrc") != null, "the receiver knows the server's RTX stream: " + s);
            assertTrue(lost > 0, "the drop stage dropped something: " + s);
            long stillLost = lost - repaired;
            // The server's side of it, from its named counters: it dropped on purpose and resent as RTX.
            long droppedOnPurpose = 0;
            long rtxSent = 0;
            for (var peer : this.server.media().existingRouter(SignalingEndpoint.DEFAULT_ROOM).peers()) {
                Map<String, Long> counters = peer.counters();
                droppedOnPurpose += counters.getOrDefault("dropped_simulated_loss", 0L);
                rtxSent += counters.getOrDefault("consumer_rtx_sent", 0L);
                System.out.println("server counters for " + peer.id() + ": " + counters);
            }
            assertTrue(droppedOnPurpose > 0, "the drop stage dropped packets");
            assertTrue(rtxSent > 0, "the server answered NACKs with RTX");
            assertTrue(stillLost * 100 < received + lost, "under 1% of video packets stay lost (" + lost
                    + " dropped, " + repaired + " repaired of " + (received + lost) + ", " + nacks + " NACKs): " + s);
        }
    }
}
