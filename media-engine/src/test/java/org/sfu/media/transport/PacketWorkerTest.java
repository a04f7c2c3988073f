package org.sfu.media.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PacketWorkerTest {

    /** Room for media: CAPACITY - HANDSHAKE_RESERVE slots. */
    private static final int CAPACITY = PacketWorker.HANDSHAKE_RESERVE + 4;

    private static byte[] datagram(int n) {
        return new byte[] {(byte) 0x80, (byte) (n >> 8), (byte) n, 42};
    }

    @Test
    void deliversEveryDatagramInOrderOnItsOwnThreadWithItsArrivalTime() throws Exception {
        int count = 10_000;
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        Set<String> threads = Collections.synchronizedSet(new HashSet<>());
        CountDownLatch done = new CountDownLatch(count);
        PacketWorker.Sink sink = (buf, off, len, arrival) -> {
            assertEquals(4, len);
            int n = (buf[off + 1] & 0xff) << 8 | buf[off + 2] & 0xff;
            assertEquals(n * 10L, arrival);
            seen.add(n);
            threads.add(Thread.currentThread().getName());
            done.countDown();
        };
        try (PacketWorker worker = new PacketWorker("test-worker", 64)) {
            int offered = 0;
            while (offered < count) {
                // The queue is small on purpose: a full queue refuses instead of blocking; offer again later.
                if (worker.offer(sink, datagram(offered & 0xffff), 0, 4, (offered & 0xffff) * 10L, false)) {
                    offered++;
                } else {
                    Thread.onSpinWait();
                }
            }
            assertTrue(done.await(10, TimeUnit.SECONDS));
            // The worker adds a batch to processed() after the batch's last sink call: read it once the thread ended.
            worker.close();
            assertEquals(count, worker.processed());
        }
        for (int i = 0; i < count; i++) {
            assertEquals(i & 0xffff, seen.get(i));
        }
        assertEquals(Set.of("test-worker"), threads);
        assertFalse(threads.contains(Thread.currentThread().getName()));
    }

    @Test
    void aFullQueueDropsAndCountsWithoutBlockingAndKeepsRoomForHandshakes() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstStarted = new CountDownLatch(1);
        PacketWorker.Sink blocked = (buf, off, len, arrival) -> {
            firstStarted.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (PacketWorker worker = new PacketWorker("test-worker", CAPACITY)) {
            assertTrue(worker.offer(blocked, datagram(0), 0, 4, 0, false));
            assertTrue(firstStarted.await(5, TimeUnit.SECONDS));
            // The slot being processed still counts as taken: three more media datagrams fit, the fifth is refused.
            for (int i = 1; i <= 3; i++) {
                assertTrue(worker.offer((b, o, l, a) -> { }, datagram(i), 0, 4, 0, false));
            }
            assertFalse(worker.offer((b, o, l, a) -> { }, datagram(4), 0, 4, 0, false));
            assertEquals(1, worker.dropped());
            // Handshake datagrams still have the reserve, and then they are refused too.
            for (int i = 0; i < PacketWorker.HANDSHAKE_RESERVE; i++) {
                assertTrue(worker.offer((b, o, l, a) -> { }, datagram(i), 0, 4, 0, true));
            }
            assertFalse(worker.offer((b, o, l, a) -> { }, datagram(5), 0, 4, 0, true));
            assertFalse(worker.offer((b, o, l, a) -> { }, datagram(6), 0, 4, 0, false));
            assertEquals(3, worker.dropped());
            release.countDown();
        }
    }

    @Test
    void theQueueDepthCountsWhatWaitsAndWhatIsBeingProcessed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstStarted = new CountDownLatch(1);
        PacketWorker.Sink blocked = (buf, off, len, arrival) -> {
            firstStarted.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (PacketWorker worker = new PacketWorker("depth-test", CAPACITY)) {
            assertEquals(0, worker.queued());
            assertTrue(worker.offer(blocked, datagram(0), 0, 4, 0, false));
            assertTrue(firstStarted.await(5, TimeUnit.SECONDS));
            for (int i = 1; i <= 2; i++) {
                assertTrue(worker.offer((b, o, l, a) -> { }, datagram(i), 0, 4, 0, false));
            }
            assertEquals(3, worker.queued(), "one being processed, two waiting");
            release.countDown();
        }
    }

    @Test
    void aParticipantThatFloodsFillsOnlyItsShareOfTheQueue() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        PacketWorker.Sink blocked = (buf, off, len, arrival) -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (PacketWorker worker = new PacketWorker("share-test", 64)) {
            PacketWorker.Share flooder = worker.share((b, o, l, a) -> { });
            PacketWorker.Share other = worker.share((b, o, l, a) -> { });
            // The worker is busy with one datagram: everything else waits in the queue.
            assertTrue(worker.offer(blocked, datagram(0), 0, 4, 0, false));
            int accepted = 0;
            int overShare = 0;
            for (int i = 0; i < 60; i++) {
                PacketWorker.Outcome outcome = worker.offer(flooder, datagram(i), 0, 4, 0, false);
                accepted += outcome == PacketWorker.Outcome.QUEUED ? 1 : 0;
                overShare += outcome == PacketWorker.Outcome.OVER_SHARE ? 1 : 0;
            }
            assertEquals(16, accepted, "a quarter of the 64 slots");
            assertEquals(44, overShare);
            assertEquals(PacketWorker.Outcome.QUEUED, worker.offer(other, datagram(1), 0, 4, 0, false),
                    "the others still get in");
            release.countDown();
            // Once the worker has processed and released them, the flooder's share takes datagrams again.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            boolean again = false;
            while (!again && System.nanoTime() < deadline) {
                again = worker.offer(flooder, datagram(2), 0, 4, 0, false) == PacketWorker.Outcome.QUEUED;
                Thread.onSpinWait();
            }
            assertTrue(again, "its share is free again once processed");
        }
    }

    /**
     * A participant whose share is full (a flood) does not stand in front of the others: when the worker gets to the
     * queue again, another participant's datagram is among the first it processes, not behind the flood's quarter of
     * the queue. Arrival order would have served it after the 256 flooded ones.
     */
    @Test
    void anotherParticipantsDatagramIsNotServedBehindAFloodersShare() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        PacketWorker.Sink blocked = (buf, off, len, arrival) -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        List<String> served = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1 + 256 + 2);
        try (PacketWorker worker = new PacketWorker("fair-test", PacketWorkers.DEFAULT_QUEUE_CAPACITY)) {
            PacketWorker.Share flooder = worker.share((b, o, l, a) -> {
                served.add("flooder " + ((b[o + 1] & 0xff) << 8 | b[o + 2] & 0xff));
                done.countDown();
            });
            PacketWorker.Share other = worker.share((b, o, l, a) -> {
                served.add("other " + ((b[o + 1] & 0xff) << 8 | b[o + 2] & 0xff));
                done.countDown();
            });
            // The worker is busy (as when it falls behind); the flooder fills its share, then the other sends two.
            assertTrue(worker.offer(blocked, datagram(0), 0, 4, 0, false));
            assertTrue(started.await(5, TimeUnit.SECONDS));
            done.countDown();
            int queued = 0;
            for (int i = 0; i < 300; i++) {
                queued += worker.offer(flooder, datagram(i), 0, 4, 0, false) == PacketWorker.Outcome.QUEUED ? 1 : 0;
            }
            assertEquals(256, queued, "a quarter of the queue");
            assertEquals(PacketWorker.Outcome.QUEUED, worker.offer(other, datagram(1), 0, 4, 0, false));
            assertEquals(PacketWorker.Outcome.QUEUED, worker.offer(other, datagram(2), 0, 4, 0, false));
            release.countDown();
            assertTrue(done.await(10, TimeUnit.SECONDS));
        }
        int first = served.indexOf("other 1");
        assertTrue(first >= 0 && first <= PacketWorker.QUANTUM, "served after one round, not after the flood: at "
                + first + " of " + served.size());
        assertEquals(first + 1, served.indexOf("other 2"), "a participant's datagrams stay in their order");
        for (int i = 0; i < 256; i++) {
            assertTrue(served.indexOf("flooder " + i) < served.indexOf("flooder " + (i + 1))
                    || i == 255, "the flooder's too: " + i);
        }
    }

    @Test
    void theSinkGetsACopyThatOutlivesTheCallersBuffer() throws Exception {
        byte[] original = datagram(7);
        byte[][] got = new byte[1][];
        CountDownLatch done = new CountDownLatch(1);
        CountDownLatch offered = new CountDownLatch(1);
        try (PacketWorker worker = new PacketWorker("test-worker", CAPACITY)) {
            worker.offer((buf, off, len, arrival) -> {
                try {
                    offered.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                got[0] = java.util.Arrays.copyOfRange(buf, off, off + len);
                done.countDown();
            }, original, 0, original.length, 0, false);
            // The receiving thread reuses its buffer at once (ice4j returns it to its pool).
            java.util.Arrays.fill(original, (byte) 0);
            offered.countDown();
            assertTrue(done.await(5, TimeUnit.SECONDS));
        }
        assertNotSame(original, got[0]);
        assertArrayEquals(datagram(7), got[0]);
    }

    @Test
    void aFailingSinkDoesNotStopTheWorkerAndOversizeIsRefused() throws Exception {
        CountDownLatch after = new CountDownLatch(1);
        try (PacketWorker worker = new PacketWorker("test-worker", CAPACITY)) {
            assertTrue(worker.offer((b, o, l, a) -> {
                throw new IllegalStateException("a bad packet");
            }, datagram(1), 0, 4, 0, false));
            // An Error a packet can cause does not end the worker either.
            assertTrue(worker.offer((b, o, l, a) -> {
                throw new StackOverflowError("a packet that recursed");
            }, datagram(1), 0, 4, 0, false));
            assertTrue(worker.offer((b, o, l, a) -> after.countDown(), datagram(2), 0, 4, 0, false));
            assertTrue(after.await(5, TimeUnit.SECONDS));
            assertEquals(2, worker.failures());
            byte[] huge = new byte[PacketWorker.MAX_DATAGRAM + 1];
            assertFalse(worker.offer((b, o, l, a) -> { }, huge, 0, huge.length, 0, true));
            // The largest accepted datagram goes through whole.
            byte[] largest = new byte[PacketWorker.MAX_DATAGRAM];
            largest[largest.length - 1] = 9;
            CountDownLatch largestSeen = new CountDownLatch(1);
            assertTrue(worker.offer((b, o, l, a) -> {
                if (l == PacketWorker.MAX_DATAGRAM && b[o + l - 1] == 9) {
                    largestSeen.countDown();
                }
            }, largest, 0, largest.length, 0, false));
            assertTrue(largestSeen.await(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void workersAreAssignedToTheLeastLoadedAndGivenBack() {
        try (PacketWorkers workers = new PacketWorkers(2, CAPACITY)) {
            PacketWorker a = workers.assign();
            PacketWorker b = workers.assign();
            assertNotSame(a, b);
            PacketWorker c = workers.assign();
            workers.release(a == c ? b : a);
            PacketWorker d = workers.assign();
            assertNotSame(c, d);
            assertEquals(2, workers.size());
        }
    }

    @Test
    void afterCloseOffersAreRefused() {
        PacketWorker worker = new PacketWorker("test-worker", CAPACITY);
        worker.close();
        assertFalse(worker.offer((b, o, l, a) -> { }, datagram(1), 0, 4, 0, false));
    }
}
