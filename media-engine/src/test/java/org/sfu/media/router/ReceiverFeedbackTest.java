package org.sfu.media.router;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sfu.media.negotiation.SupportedCodecs;
import org.sfu.media.rtcp.RtcpHeader;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.rtp.RtpHeader;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.media.transport.WorkerTicks;
import org.sfu.packet.PacketBuffer;

/**
 * What the server sends back to a participant on each feedback tick, with the ticks driven by the test through the
 * worker's pass ({@link WorkerTicks#pass()}) instead of a clock.
 */
class ReceiverFeedbackTest {
    private static final long SSRC = 0x1111_1111L;
    private static final int TRANSPORT_CC_ID = 3;
    private static final List<RtpCodec> VP8 = List.of(new RtpCodec(96, "VP8", 90000));

    private final FakeTransport transport = new FakeTransport();
    private final Producer producer = new Producer("alice-1", "alice", transport, 0x5E4E_0001L, MediaKind.VIDEO, "1",
            SSRC, -1, VP8);
    private final ReceiverFeedback feedback = new ReceiverFeedback("alice", transport, 0xFEED_0001L,
            () -> List.of(producer));
    private final WorkerTicks ticks = new WorkerTicks("test", null);

    ReceiverFeedbackTest() {
        producer.setExtensionIds(Map.of(SupportedCodecs.TRANSPORT_CC_URI, TRANSPORT_CC_ID));
    }

    private void receive(int sequence, long arrivalNanos) {
        PacketBuffer packet = TestPackets.vp8(sequence, SSRC, 96, 100);
        RtpHeader header = new RtpHeader();
        header.read(packet);
        feedback.onPacket(header, TRANSPORT_CC_ID, arrivalNanos);
        producer.onRtp(packet, header, false, arrivalNanos);
    }

    private void passes(int n) {
        for (int i = 0; i < n; i++) {
            ticks.pass();
        }
    }

    private static int packetType(byte[] rtcp) {
        return rtcp[1] & 0xFF;
    }

    @Test
    void aParticipantThatSentNothingIsToldNothing() {
        feedback.start(ticks);
        passes(40);
        assertEquals(List.of(), transport.rtcp, "no transport-cc, NACK or report about streams never heard");
    }

    @Test
    void transportFeedbackFollowsWhatArrivedAndOnlyThat() {
        feedback.start(ticks);
        long now = System.nanoTime();
        receive(1, now);
        receive(2, now + 1_000_000);
        ticks.pass();
        assertEquals(1, transport.rtcp.size(), "one transport-cc feedback for the two packets");
        assertEquals(RtcpHeader.RTPFB, packetType(transport.rtcp.get(0)));
        passes(5);
        assertEquals(1, transport.rtcp.size(), "nothing arrived since: nothing more until the report is due");
    }

    @Test
    void aReceiverReportEveryTwentyTicksWhileTheStreamIsQuiet() {
        feedback.start(ticks);
        long now = System.nanoTime();
        receive(1, now);
        receive(2, now + 1_000_000);
        ticks.pass();
        transport.rtcp.clear();
        passes(ReceiverFeedback.REPORT_EVERY_TICKS - 2);
        assertEquals(0, transport.rtcp.size());
        ticks.pass();
        assertEquals(1, transport.rtcp.size(), "the report on the 20th tick (RFC 3550 §6.4.2)");
        assertEquals(RtcpHeader.RR, packetType(transport.rtcp.get(0)));
        passes(ReceiverFeedback.REPORT_EVERY_TICKS);
        assertEquals(2, transport.rtcp.size(), "and one more a second later");
    }

    @Test
    void aGapIsNackedOnTheNextTick() {
        feedback.start(ticks);
        long now = System.nanoTime();
        receive(1, now);
        receive(2, now);
        receive(5, now);
        ticks.pass();
        long nacks = transport.rtcp.stream().filter(p -> packetType(p) == RtcpHeader.RTPFB && (p[0] & 0x1F) == 1)
                .count();
        assertEquals(1, nacks, "3 and 4 asked for in one generic NACK (RFC 4585 §6.2.1)");
    }

    @Test
    void startedOnceStoppedForGood() {
        feedback.start(ticks);
        feedback.start(ticks);
        assertEquals(1, ticks.size(), "start is idempotent");
        feedback.stop();
        assertEquals(0, ticks.size());
        feedback.start(ticks);
        assertEquals(0, ticks.size(), "a participant that left does not start again (a late connect)");
    }

    @Test
    void nothingIsSentWhileTheTransportIsDown() {
        feedback.start(ticks);
        receive(1, System.nanoTime());
        transport.connected = false;
        passes(ReceiverFeedback.REPORT_EVERY_TICKS);
        assertEquals(List.of(), transport.rtcp);
    }
}
