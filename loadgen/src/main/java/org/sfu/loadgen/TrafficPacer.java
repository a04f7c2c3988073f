package org.sfu.loadgen;

import java.util.PriorityQueue;
import java.util.concurrent.locks.LockSupport;
import org.sfu.packet.PacketBuffer;

/**
 * The one thread that sends for every participant: each stream is due once per frame interval (33 ms for 30 fps
 * video, 20 ms for audio); the pacer sleeps until the earliest due stream, has it write and send its frame, and
 * schedules it one interval later. Streams start at random phases, as independent cameras would.
 *
 * <p>If the pacer falls behind (the machine is saturated, or the thread was not scheduled), a frame is sent late, and
 * the frames that fell due meanwhile are skipped and counted, as a camera under CPU starvation drops frames: catching
 * up in a burst would overflow socket buffers and blame the target for the generator's stall. The lateness and the
 * skipped frames are reported, so a saturated generator can be told from a saturated target.
 */
final class TrafficPacer implements AutoCloseable {
    private static final class Entry implements Comparable<Entry> {
        final SyntheticStream stream;
        long due;

        Entry(SyntheticStream stream, long due) {
            this.stream = stream;
            this.due = due;
        }

        @Override
        public int compareTo(Entry o) {
            return Long.compare(due, o.due);
        }
    }

    private final PriorityQueue<Entry> queue = new PriorityQueue<>();
    /** Streams of participants that joined after the start, handed to the pacer thread. */
    private final java.util.concurrent.ConcurrentLinkedQueue<SyntheticStream> added =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.LongAdder frameErrors = new java.util.concurrent.atomic.LongAdder();
    private final Thread thread;
    private final PacketBuffer scratch = new PacketBuffer(4096);
    private volatile boolean sending = true;
    private volatile boolean running = true;
    private volatile long maxLatenessNanos;
    private volatile long skippedFrames;
    private long latenessSumNanos;
    private volatile long frames;

    TrafficPacer(Iterable<SyntheticStream> streams) {
        long now = System.nanoTime();
        java.util.Random random = new java.util.Random();
        for (SyntheticStream s : streams) {
            queue.add(new Entry(s, now + (long) (random.nextDouble() * s.intervalNanos())));
        }
        thread = new Thread(this::run, "loadgen-pacer");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** A stream of a participant that joined later (churn); it starts at a random phase within one interval. */
    void add(SyntheticStream stream) {
        added.add(stream);
        LockSupport.unpark(thread);
    }

    /** Frames whose sending threw (a participant closed under the pacer's feet); the pacer carries on. */
    long frameErrors() {
        return frameErrors.sum();
    }

    /** Stops sending (the thread idles until {@link #close()}); receivers keep counting what is in flight. */
    void stopSending() {
        sending = false;
    }

    /** Starts a new measurement window for the lateness figures. */
    synchronized void restartCounters() {
        maxLatenessNanos = 0;
        skippedFrames = 0;
        latenessSumNanos = 0;
        frames = 0;
    }

    double maxLatenessMillis() {
        return maxLatenessNanos / 1e6;
    }

    synchronized double meanLatenessMillis() {
        return frames == 0 ? 0 : latenessSumNanos / 1e6 / frames;
    }

    long skippedFrames() {
        return skippedFrames;
    }

    private void run() {
        java.util.Random random = new java.util.Random();
        while (running) {
            for (SyntheticStream s; (s = added.poll()) != null; ) {
                queue.add(new Entry(s, System.nanoTime() + (long) (random.nextDouble() * s.intervalNanos())));
            }
            Entry e = queue.peek();
            long now = System.nanoTime();
            if (e == null || e.due > now) {
                LockSupport.parkNanos(e == null ? 10_000_000L : e.due - now);
                continue;
            }
            queue.poll();
            if (e.stream.retired()) {
                continue;
            }
            if (sending) {
                try {
                    e.stream.emitFrame(now, scratch);
                } catch (RuntimeException ex) {
                    frameErrors.increment();
                }
                account(now - e.due);
            }
            e.due += e.stream.intervalNanos();
            long backlog = System.nanoTime() - e.due;
            if (backlog >= 0) {
                long skip = backlog / e.stream.intervalNanos() + 1;
                synchronized (this) {
                    skippedFrames += skip;
                }
                e.due += skip * e.stream.intervalNanos();
            }
            queue.add(e);
        }
    }

    private synchronized void account(long latenessNanos) {
        frames++;
        latenessSumNanos += latenessNanos;
        if (latenessNanos > maxLatenessNanos) {
            maxLatenessNanos = latenessNanos;
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
