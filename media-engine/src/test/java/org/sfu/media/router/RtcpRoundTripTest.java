package org.sfu.media.router;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sfu.media.rtcp.ReceiverReport;
import org.sfu.media.rtcp.SenderReport;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.packet.PacketBuffer;

/**
 * Given alice's sender report translated onto bob's stream, when bob's report block about that stream comes back,
 * then the stream knows the round trip between the server and bob (RFC 3550 §6.4.1), whether the block came in an
 * RR or in the SR bob sends about his own media.
 */
class RtcpRoundTripTest {
    private static final long MS = 1_000_000L;
    private static final long ALICE_SSRC = 0x1111_1111L;
    private static final long BOBS_STREAM = 0xB0B0_0001L;
    private static final long BOBS_OWN_SSRC = 0xB0B0_9999L;
    /** Alice's wall clock in her report: not the server's, so only the echo, not its value, can be timed. */
    private static final long ALICE_NTP = 0xDA8B_D1FC_DDDD_A05AL;
    private static final List<RtpCodec> VP8 = List.of(new RtpCodec(96, "VP8", 90000),
            new RtpCodec(97, "rtx", 90000, 1, Map.of("apt", "96"), List.of()));

    private final FakeTransport aliceTransport = new FakeTransport();
    private final FakeTransport bobTransport = new FakeTransport();
    private final Producer alice = new Producer("alice-1", "alice", aliceTransport, 0x5E4E_0001L, MediaKind.VIDEO, "1",
            ALICE_SSRC, 0x2222_2222L, VP8);
    private final Consumer toBob = new Consumer("bob<alice-1", alice, bobTransport, BOBS_STREAM, 0xB0B0_0002L);

    private static final class Streams implements SessionStreams {
        private final Producer producer;
        private final Consumer consumer;

        Streams(Producer producer, Consumer consumer) {
            this.producer = producer;
            this.consumer = consumer;
        }

        @Override
        public Producer producerBySsrc(long ssrc) {
            return producer != null && producer.ssrc() == ssrc ? producer : null;
        }

        @Override
        public Consumer consumerBySsrc(long ssrc) {
            return consumer != null && (consumer.ssrc() == ssrc || consumer.rtxSsrc() == ssrc) ? consumer : null;
        }
    }

    private static boolean route(SessionStreams from, byte[] rtcp, long nowNanos) {
        return RtcpRouting.route(from, PacketBuffer.copyOf(rtcp, 0, rtcp.length), nowNanos);
    }

    /** Alice's SR reaches the server at {@code atNanos}, and goes on to bob as his stream's. */
    private void aliceReportsAt(long atNanos) {
        alice.addConsumer(toBob);
        toBob.activate(VP8, List.of());
        ForwardingTest.forward(alice, TestPackets.vp8(7, ALICE_SSRC, 96, 10), false, atNanos - 100 * MS);
        route(new Streams(alice, null), SenderReport.build(ALICE_SSRC, ALICE_NTP, 90_000, 1, 10), atNanos);
        assertEquals(1, bobTransport.rtcp.size(), "bob got the report on his stream");
    }

    private static ReceiverReport.ReportBlock block(long ssrc, long lastSr, long dlsrMillis) {
        return new ReceiverReport.ReportBlock(ssrc, 0, 0, 7, 0, lastSr, dlsrMillis * 65536 / 1000);
    }

    @Test
    void bobsReceiverReportEchoingTheReportGivesTheRoundTrip() {
        aliceReportsAt(1000 * MS);
        long lsr = SenderReport.parse(bobTransport.rtcp.get(0), 0, bobTransport.rtcp.get(0).length).lastSr();
        assertEquals(-1, toBob.roundTrip().nanos());

        // Bob held it 250 ms; his RR arrives 290 ms after it left: 40 ms there and back.
        route(new Streams(null, toBob), ReceiverReport.build(BOBS_OWN_SSRC, block(BOBS_STREAM, lsr, 250)), 1290 * MS);

        assertEquals(40.0, toBob.roundTrip().nanos() / (double) MS, 0.02);
    }

    @Test
    void theBlockInBobsOwnSenderReportCountsToo() {
        aliceReportsAt(1000 * MS);
        long lsr = SenderReport.middle32(ALICE_NTP);
        // Bob also sends: libwebrtc puts its report blocks in its SR then (RC=1 after the sender info).
        byte[] sr = SenderReport.build(BOBS_OWN_SSRC, 0x1234_5678_0000_0000L, 1, 1, 1);
        byte[] rr = ReceiverReport.build(BOBS_OWN_SSRC, block(BOBS_STREAM, lsr, 100));
        byte[] withBlock = new byte[sr.length + ReceiverReport.ReportBlock.LENGTH];
        System.arraycopy(sr, 0, withBlock, 0, sr.length);
        System.arraycopy(rr, 8, withBlock, sr.length, ReceiverReport.ReportBlock.LENGTH);
        withBlock[0] = (byte) 0x81;
        withBlock[3] = (byte) (withBlock.length / 4 - 1);

        route(new Streams(null, toBob), withBlock, 1175 * MS);

        assertEquals(75.0, toBob.roundTrip().nanos() / (double) MS, 0.02);
    }

    @Test
    void aBlockAboutAStreamBobDoesNotReceiveOrWithoutAnEchoMeasuresNothing() {
        aliceReportsAt(1000 * MS);
        long lsr = SenderReport.middle32(ALICE_NTP);
        Streams bob = new Streams(null, toBob);

        route(bob, ReceiverReport.build(BOBS_OWN_SSRC, block(ALICE_SSRC, lsr, 100)), 1200 * MS);
        route(bob, ReceiverReport.build(BOBS_OWN_SSRC, block(0xB0B0_0002L, lsr, 100)), 1200 * MS);
        route(bob, ReceiverReport.build(BOBS_OWN_SSRC, block(BOBS_STREAM, 0, 0)), 1200 * MS);
        route(bob, ReceiverReport.build(BOBS_OWN_SSRC, block(BOBS_STREAM, lsr ^ 1, 100)), 1200 * MS);

        assertEquals(-1, toBob.roundTrip().nanos(), "another's SSRC, the RTX SSRC, no LSR, an LSR never sent");
    }
}
