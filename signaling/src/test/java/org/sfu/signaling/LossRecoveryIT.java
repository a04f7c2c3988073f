package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
class LossRecoveryIT {
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

    /** Removes RTX (RFC 4588) from every description the page sends: a client whose stack has no RTX. */
    private static final String WITHOUT_RTX = """
            (() => {
              const send = WebSocket.prototype.send;
              WebSocket.prototype.send = function (data) {
                const m = JSON.parse(data);
                if (m.type === 'offer' || m.type === 'answer') {
                  const rtx = [...m.data.sdp.matchAll(/a=rtpmap:(\\d+) rtx\\/\\d+/g)].map(x => x[1]);
                  const ofRtx = l => rtx.some(pt => ['a=rtpmap:', 'a=fmtp:', 'a=rtcp-fb:']
                      .some(k => l.startsWith(k + pt + ' ')));
                  const sdp = m.data.sdp.split('\\r\\n')
                      .filter(l => !ofRtx(l) && !l.startsWith('a=ssrc-group:FID'))
                      .map(l => l.startsWith('m=video')
                          ? l.split(' ').filter((t, i) => i < 3 || !rtx.includes(t)).join(' ') : l)
                      .join('\\r\\n');
                  data = JSON.stringify({ type: m.type, data: { type: m.data.type, sdp } });
                }
                return send.call(this, data);
              };
            })();
            """;

    /**
     * What a call under loss showed: the receiving page's statistics, and the server's counters summed over both
     * participants, both taken while the call was up.
     */
    private record CallUnderLoss(Map<String, Object> receiver, Map<String, Long> server) {
    }

    /**
     * A 1:1 call under the server's 5% loss, observed once the receiver has decoded ten seconds of video (at 5% loss
     * about 30 of every 600 packets are dropped on the way).
     *
     * @param pageScript run in both pages before their own scripts, or null
     */
    private CallUnderLoss callUnderLoss(String pageScript) throws Exception {
        String page = "https://localhost:" + server.httpPort() + "/?join";
        try (HeadlessChromium sender = new HeadlessChromium(); HeadlessChromium receiver = new HeadlessChromium()) {
            if (pageScript != null) {
                sender.beforeEveryPage(pageScript);
                receiver.beforeEveryPage(pageScript);
            }
            sender.open(page);
            receiver.open(page);
            Map<String, Object> stats = receiver.awaitStats(Duration.ofSeconds(30), "300 decoded frames",
                    st -> HeadlessChromium.number(st, "framesDecoded") >= 300);
            Map<String, Long> totals = new java.util.TreeMap<>();
            for (var peer : server.media().existingRouter(SignalingEndpoint.DEFAULT_ROOM).peers()) {
                peer.counters().forEach((name, value) -> totals.merge(name, value, Long::sum));
            }
            System.out.println("server counters: " + totals);
            return new CallUnderLoss(stats, totals);
        }
    }

    /**
     * Without RTX the server answers a NACK with the original packet (RFC 4585 §6.2.1): the same SRTP bytes sent
     * again. It arrives on the media SSRC, so even Chromium's RFC 3550 packetsLost stays under 1%.
     */
    @Test
    void withoutRtxTheOriginalPacketIsResent() throws Exception {
        CallUnderLoss call = callUnderLoss(WITHOUT_RTX);
        Map<String, Object> s = call.receiver();
        long nacks = HeadlessChromium.number(s, "videoNackCount");
        long lost = HeadlessChromium.number(s, "videoPacketsLost");
        long received = HeadlessChromium.number(s, "videoPacketsReceived");
        assertEquals(null, s.get("videoRtxSsrc"), "no RTX was negotiated: " + s);
        assertTrue(nacks > 0, "the receiver asked for retransmissions: " + s);
        assertTrue(received > 300, "video flowed: " + s);
        assertTrue(lost * 100 < received + lost, "under 1% of video packets stay lost (" + lost + " of "
                + (received + lost) + ", " + nacks + " NACKs): " + s);
        assertTrue(call.server().getOrDefault("rtp_resent", 0L) > 0, "the server resent original packets");
    }

    @Test
    void fivePercentLossToAReceiverIsRepairedByNack() throws Exception {
        CallUnderLoss call = callUnderLoss(null);
        Map<String, Object> s = call.receiver();
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
        assertTrue(call.server().getOrDefault("dropped_simulated_loss", 0L) > 0, "the drop stage dropped packets");
        assertTrue(call.server().getOrDefault("consumer_rtx_sent", 0L) > 0, "the server answered NACKs with RTX");
        assertTrue(stillLost * 100 < received + lost, "under 1% of video packets stay lost (" + lost
                + " dropped, " + repaired + " repaired of " + (received + lost) + ", " + nacks + " NACKs): " + s);
    }
}
