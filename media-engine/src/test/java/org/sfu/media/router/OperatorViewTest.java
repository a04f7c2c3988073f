package org.sfu.media.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sfu.media.counters.Latencies;
import org.sfu.media.rtcp.RtcpHeader;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.sdp.RtpCodec;

/**
 * What an operator reads of a track and does to it, without a network: a producer's live stats, muting it for every
 * receiver, and the timings it and its consumers record (first frame, sampled forwarding delay).
 */
class OperatorViewTest {
    private static final long MS = 1_000_000L;
    private static final long SSRC = 0x1111_1111L;
    private static final List<RtpCodec> VP8 = List.of(new RtpCodec(96, "VP8", 90000),
            new RtpCodec(97, "rtx", 90000, 1, Map.of("apt", "96"), List.of()));

    private final FakeTransport sender = new FakeTransport();
    private final Producer producer = new Producer("alice-1", "alice", sender, 0x5E4E_0001L, MediaKind.VIDEO, "1",
            SSRC, 0x2222_2222L, VP8);

    private Consumer consumer(FakeTransport receiver, long ssrc) {
        Consumer c = new Consumer("r<" + producer.id(), producer, receiver, ssrc, ssrc + 1);
        producer.addConsumer(c);
        c.activate(VP8, List.of());
        return c;
    }

    private Map<String, Long> counters() {
        Map<String, Long> out = new HashMap<>();
        producer.report(out::put);
        return out;
    }

    @Test
    void aMutedTrackReachesNoReceiverButIsStillReceivedAndUnmutingAsksTheSenderForAKeyframe() {
        FakeTransport bob = new FakeTransport();
        FakeTransport carol = new FakeTransport();
        consumer(bob, 0xB0B0_0001L);
        consumer(carol, 0xCA20_0001L);
        ForwardingTest.forward(producer, TestPackets.vp8(1, SSRC, 96, 100), false, 0);
        assertEquals(1, bob.rtp.size());

        assertTrue(producer.setMuted(true));
        assertFalse(producer.setMuted(true), "already muted");
        for (int i = 2; i <= 10; i++) {
            ForwardingTest.forward(producer, TestPackets.vp8(i, SSRC, 96, 100), false, i * 10 * MS);
        }
        assertEquals(1, bob.rtp.size(), "nothing more to bob");
        assertEquals(1, carol.rtp.size(), "nor to carol");
        assertEquals(9, counters().get("producer_dropped_muted"));
        assertEquals(10, producer.stats(100 * MS).packets(), "still received");
        assertEquals(2, producer.sentToReceivers());

        int plis = sender.rtcp.size();
        assertTrue(producer.setMuted(false));
        assertEquals(plis + 1, sender.rtcp.size(), "a keyframe request to the sender");
        assertEquals(RtcpHeader.PSFB, sender.rtcp.get(plis)[1] & 0xff);
        ForwardingTest.forward(producer, TestPackets.vp8(11, SSRC, 96, 100), false, 110 * MS);
        assertEquals(2, bob.rtp.size());
        assertEquals(2, carol.rtp.size());
        assertEquals(4, producer.sentToReceivers());
    }

    @Test
    void statsShowTheCodecTheBitrateOfTheLastSecondAndTheLoss() {
        assertEquals(null, producer.stats(0).codec(), "nothing arrived yet");
        // 1000 payload octets every 10 ms for 3 s: 800 kbit/s; sequence number 50 never arrives.
        for (int i = 0; i < 300; i++) {
            if (i != 50) {
                ForwardingTest.forward(producer, TestPackets.vp8(i, SSRC, 96, 1000), false, i * 10 * MS);
            }
        }
        Producer.Stats stats = producer.stats(3000 * MS);
        assertEquals("VP8", stats.codec().name());
        assertEquals(299, stats.packets());
        assertEquals(299_000, stats.octets());
        // The last second (2 to 3 s): 100 whole packets, headers included (what a layer costs a receiver).
        long packetBytes = TestPackets.vp8(0, SSRC, 96, 1000).length();
        assertEquals(100 * packetBytes * 8, stats.bitrate());
        assertEquals(1, stats.packetsLost());
        // RFC 3550 A.1: counted from the packet that ends the source's probation (the second), so 299 of 300.
        assertEquals(299, stats.packetsExpected());
        assertEquals(0, producer.stats(10_000 * MS).bitrate(), "nothing for seconds: no bitrate");
    }

    @Test
    void aConsumersFirstKeyframeIsTimedOnceAndOnePacketIn64IsTimedPerReceiver() {
        Latencies latencies = new Latencies();
        producer.timeInto(latencies);
        consumer(new FakeTransport(), 0xB0B0_0001L);
        consumer(new FakeTransport(), 0xCA20_0001L);
        for (int i = 0; i < 128; i++) {
            ForwardingTest.forward(producer, TestPackets.vp8(i, SSRC, 96, 100), false, System.nanoTime());
        }
        assertEquals(2, latencies.firstFrame().snapshot().count(), "each receiver's first keyframe, once");
        assertEquals(2 * 2, latencies.forwardingDelay().snapshot().count(), "packets 0 and 64, to two receivers");
        assertEquals(0, latencies.iceConnect().snapshot().count());
    }
}
