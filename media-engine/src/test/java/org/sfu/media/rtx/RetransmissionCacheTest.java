package org.sfu.media.rtx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.sfu.media.rtp.RtpPacket;

/** Given packets sent on one stream, when a NACK asks for a sequence number, then the cache answers or misses. */
class RetransmissionCacheTest {
    static final long MS = 1_000_000L;
    static final long T0 = -5_000 * MS; // System.nanoTime() may well be negative

    /** The VP8 packet of {@code RtxPacketTest} with its sequence number set to {@code seq}. */
    static byte[] vp8(int seq) {
        byte[] p = HexFormat.of().parseHex(RtxPacketTest.VP8_WITH_EXTENSIONS.replace(" ", ""));
        RtpPacket.setSequenceNumber(p, 0, seq);
        return p;
    }

    static byte[] lookup(RetransmissionCache cache, int seq, long now) {
        byte[] out = new byte[1500];
        int n = cache.get(seq, out, 3, now);
        return n < 0 ? null : Arrays.copyOfRange(out, 3, 3 + n);
    }

    @Test
    void storedPacketIsReturnedByteForByte() {
        RetransmissionCache cache = new RetransmissionCache();
        byte[] p = vp8(0x1a2b);
        byte[] framed = new byte[p.length + 10];
        System.arraycopy(p, 0, framed, 4, p.length);
        cache.put(framed, 4, p.length, 0x1a2b, T0);
        Arrays.fill(framed, (byte) 0); // the cache holds its own copy

        assertArrayEquals(p, lookup(cache, 0x1a2b, T0 + 10 * MS));
        assertEquals(1, cache.hits());
    }

    @Test
    void aCacheTakesPacketMemoryOnlyForTheSlotsItHasUsed() {
        // A stream that never sends (one of 60 video sections of a hostile offer) must cost no packet buffers.
        RetransmissionCache cache = new RetransmissionCache();
        assertEquals(0, cache.bytesAllocated());
        byte[] p = new byte[1200];
        cache.put(p, 0, p.length, 7, 0);
        cache.put(p, 0, p.length, 8, 0);
        cache.put(p, 0, p.length, 7 + RetransmissionCache.DEFAULT_SLOTS, 0);
        assertEquals(2L * RetransmissionCache.DEFAULT_SLOT_CAPACITY, cache.bytesAllocated(), "two slots used");
        for (int seq = 0; seq < 2 * RetransmissionCache.DEFAULT_SLOTS; seq++) {
            cache.put(p, 0, p.length, seq, 0);
        }
        assertEquals((long) RetransmissionCache.DEFAULT_SLOTS * RetransmissionCache.DEFAULT_SLOT_CAPACITY,
                cache.bytesAllocated(), "at most one buffer per slot, however long the stream");
    }

    @Test
    void aLowRateStreamKeepsASmallRingAndStillServesItsLastSecond() {
        // 30 packets a second (about 300 kbit/s of video) for 5 s: a second of them fits the first 32 slots.
        RetransmissionCache cache = new RetransmissionCache();
        byte[] p = new byte[1200];
        long interval = 1_000 * MS / 30;
        for (int i = 0; i < 150; i++) {
            cache.put(p, 0, p.length, i, T0 + i * interval);
        }
        long now = T0 + 149 * interval;
        assertEquals((long) RetransmissionCache.INITIAL_SLOTS * RetransmissionCache.DEFAULT_SLOT_CAPACITY,
                cache.bytesAllocated());
        for (int i = 150 - 30; i < 150; i++) {
            assertEquals(p.length, cache.get(i, new byte[1500], 0, now), "seq " + i);
        }
    }

    @Test
    void aFastStreamGrowsTheRingToHoldItsLastSecond() {
        // 400 packets a second: the ring doubles until a second of them fits (512 slots), keeping what it held.
        RetransmissionCache cache = new RetransmissionCache();
        long interval = 1_000 * MS / 400;
        for (int i = 0; i < 800; i++) {
            int seq = (65000 + i) & 0xFFFF;
            cache.put(vp8(seq), 0, vp8(seq).length, seq, T0 + i * interval);
        }
        long now = T0 + 799 * interval;
        for (int i = 800 - 400; i < 800; i++) {
            int seq = (65000 + i) & 0xFFFF;
            assertArrayEquals(vp8(seq), lookup(cache, seq, now), "seq " + seq);
        }
        assertEquals((long) RetransmissionCache.DEFAULT_SLOTS * RetransmissionCache.DEFAULT_SLOT_CAPACITY,
                cache.bytesAllocated(), "never more than the maximum ring");
    }

    @Test
    void neverStoredIsAMiss() {
        RetransmissionCache cache = new RetransmissionCache();
        cache.put(vp8(10), 0, vp8(10).length, 10, T0);
        assertEquals(-1, cache.get(11, new byte[1500], 0, T0));
        assertEquals(-1, cache.get(10 + 512, new byte[1500], 0, T0), "same slot, other sequence number");
        assertEquals(-1, cache.get(0, new byte[1500], 0, T0), "empty slot");
        assertEquals(3, cache.misses());
    }

    @Test
    void wrapAroundFrom65535To0() {
        RetransmissionCache cache = new RetransmissionCache();
        for (int i = 0; i < 20; i++) {
            int seq = (65530 + i) & 0xFFFF;
            cache.put(vp8(seq), 0, vp8(seq).length, seq, T0 + i * MS);
        }
        for (int i = 0; i < 20; i++) {
            int seq = (65530 + i) & 0xFFFF;
            assertArrayEquals(vp8(seq), lookup(cache, seq, T0 + 30 * MS), "seq " + seq);
        }
    }

    @Test
    void packetIsOverwrittenAfterOneRingOfLaterPackets() {
        RetransmissionCache cache = new RetransmissionCache(512, 1500, 1_000 * MS);
        for (int seq = 100; seq < 100 + 512; seq++) {
            cache.put(vp8(seq), 0, vp8(seq).length, seq, T0);
        }
        assertArrayEquals(vp8(100), lookup(cache, 100, T0), "still within one ring");

        cache.put(vp8(612), 0, vp8(612).length, 612, T0);

        assertEquals(null, lookup(cache, 100, T0), "100 shared its slot with 612");
        assertArrayEquals(vp8(612), lookup(cache, 612, T0));
        assertArrayEquals(vp8(101), lookup(cache, 101, T0));
    }

    @Test
    void packetAgesOutAfterMaxAge() {
        RetransmissionCache cache = new RetransmissionCache(512, 1500, 1_000 * MS);
        cache.put(vp8(7), 0, vp8(7).length, 7, T0);

        assertArrayEquals(vp8(7), lookup(cache, 7, T0 + 1_000 * MS), "exactly max age is still served");
        assertEquals(null, lookup(cache, 7, T0 + 1_000 * MS + 1));
        assertEquals(1, cache.expired());
    }

    @Test
    void oversizePacketIsNotKeptAndEmptiesItsSlot() {
        RetransmissionCache cache = new RetransmissionCache(16, 40, 1_000 * MS);
        cache.put(vp8(3), 0, vp8(3).length, 3, T0); // 35 bytes fit
        byte[] big = new byte[41];
        cache.put(big, 0, big.length, 19, T0); // slot 3 again

        assertEquals(null, lookup(cache, 3, T0));
        assertEquals(null, lookup(cache, 19, T0));
        assertEquals(1, cache.oversizeDropped());
    }

    @Test
    void clearForgetsEverything() {
        RetransmissionCache cache = new RetransmissionCache();
        cache.put(vp8(7), 0, vp8(7).length, 7, T0);
        cache.clear();
        assertEquals(null, lookup(cache, 7, T0));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new RetransmissionCache(500, 1500, MS));
        assertThrows(IllegalArgumentException.class, () -> new RetransmissionCache(512, 0, MS));
        RetransmissionCache cache = new RetransmissionCache();
        assertThrows(IllegalArgumentException.class, () -> cache.put(new byte[20], 0, 20, 65536, T0));
        assertThrows(IndexOutOfBoundsException.class, () -> cache.put(new byte[20], 5, 20, 1, T0));
        assertEquals(-1, cache.get(-1, new byte[1500], 0, T0));
        cache.put(vp8(1), 0, vp8(1).length, 1, T0);
        assertThrows(IndexOutOfBoundsException.class, () -> cache.get(1, new byte[10], 0, T0));
    }

    /**
     * One sender thread and two NACK-handling threads: every packet a reader gets must be whole
     * and be the one it asked for (the payload repeats the sequence number's low byte).
     */
    @Test
    void concurrentReadersNeverSeeATornPacket() throws InterruptedException {
        RetransmissionCache cache = new RetransmissionCache(64, 1500, Long.MAX_VALUE);
        int packets = 200_000;
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<String> failure = new AtomicReference<>();
        Runnable reader = () -> {
            byte[] out = new byte[1500];
            started.countDown();
            while (done.getCount() > 0) {
                for (int seq = 0; seq < 0x10000 && failure.get() == null; seq++) {
                    int n = cache.get(seq, out, 0, 0);
                    if (n < 0) {
                        continue;
                    }
                    if (n != 12 + (seq % 700) || RtpPacket.sequenceNumber(out, 0) != seq) {
                        failure.set("seq " + seq + " came back as " + RtpPacket.sequenceNumber(out, 0) + " len " + n);
                    }
                    for (int i = 12; i < n; i++) {
                        if (out[i] != (byte) seq) {
                            failure.set("torn payload for seq " + seq);
                        }
                    }
                }
                if (failure.get() != null) {
                    return;
                }
            }
        };
        Thread r1 = new Thread(reader);
        Thread r2 = new Thread(reader);
        r1.setDaemon(true);
        r2.setDaemon(true);
        r1.start();
        r2.start();
        started.await();
        byte[] p = new byte[1500];
        p[0] = (byte) 0x80;
        for (int i = 0; i < packets; i++) {
            int seq = i & 0xFFFF;
            RtpPacket.setSequenceNumber(p, 0, seq);
            int len = 12 + (seq % 700);
            Arrays.fill(p, 12, len, (byte) seq);
            cache.put(p, 0, len, seq, 0);
        }
        done.countDown();
        r1.join(10_000);
        r2.join(10_000);
        assertEquals(null, failure.get());
        assertTrue(cache.hits() > 0);
    }
}
