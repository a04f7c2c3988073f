package org.sfu.media.transport;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that processes the datagrams of the participants assigned to it, in arrival order, from a bounded queue
 * of preallocated slots.
 *
 * <p>Why: ice4j reads the shared UDP port on one thread. If that thread also decrypted each packet and encrypted and
 * sent every copy, one core would do all the forwarding and the others would idle. The socket thread now only copies
 * the datagram into a slot here; decrypting, routing, re-encrypting and sending run on the worker that owns the
 * sending participant. One participant always lands on the same worker, so its packets stay in order and its
 * receive-side state (replay window, statistics, loss detection) is touched by one thread.
 *
 * <p>The queue never blocks the socket thread: when it is full the datagram is dropped and counted, as the kernel
 * would drop it on a full socket buffer. Slots are reused, so a queued packet allocates nothing. Any thread may offer
 * (UDP harvesters, TCP readers); only the worker thread consumes.
 *
 * <p>Each participant offers through its {@link Share}, which holds at most a quarter of the queue at once: a
 * participant that floods its own validated path fills its share and loses only its own datagrams, while the others
 * on the worker keep theirs.
 */
public final class PacketWorker implements AutoCloseable {

    /** Where a queued datagram goes; called on the worker thread with bytes valid only during the call. */
    @FunctionalInterface
    public interface Sink {
        void receive(byte[] buf, int offset, int length, long arrivalNanos);
    }

    /** One participant's part of the queue: where its datagrams go, and how many of them wait. */
    public static final class Share {
        private final Sink sink;
        // Guarded by the worker's lock.
        private int queued;

        private Share(Sink sink) {
            this.sink = sink;
        }
    }

    /** What became of an offered datagram. */
    public enum Outcome {
        QUEUED,
        /** The queue was full (or the worker stopped, or the datagram was too long): counted in {@link #dropped()}. */
        DROPPED,
        /** The participant already had its share of the queue waiting; the others' datagrams still get in. */
        OVER_SHARE
    }

    /**
     * Slots only {@linkplain #offer(Sink, byte[], int, int, long, boolean) handshake datagrams} may take. Under
     * overload media fills the queue; without a reserve, a joining participant's DTLS flights were dropped with it
     * until its handshake timed out (seen at 25 rooms × 4 on a saturated machine). Media loss recovers by itself; a
     * failed handshake loses the participant.
     */
    static final int HANDSHAKE_RESERVE = 32;
    /**
     * The largest datagram a slot takes; larger ones are dropped and counted. ice4j reads UDP into 1,500-byte buffers,
     * so only an ICE-TCP peer (RFC 4571 frames go up to 65,535 bytes) could send more, and WebRTC stacks packetize for
     * the path MTU there too. Fixed slots also mean a peer cannot make the preallocated queue grow.
     */
    static final int MAX_DATAGRAM = 1500;
    /** Slots handed to the worker at once: bounds how long finished slots stay unavailable to producers. */
    private static final int BATCH = 64;

    private static final Logger LOG = LoggerFactory.getLogger(PacketWorker.class);

    private static final class Slot {
        final byte[] data = new byte[MAX_DATAGRAM];
        int length;
        long arrivalNanos;
        Sink sink;
        Share share;
    }

    private final Slot[] slots;
    /** The most slots one {@link Share} may hold at once. */
    private final int maxShare;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Thread thread;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder processed = new LongAdder();
    private final LongAdder failures = new LongAdder();
    // Guarded by lock: the oldest slot not yet released, the number of slots filled (including those the worker is
    // processing), whether the worker waits for a signal, whether it should stop.
    private int head;
    private int count;
    private boolean waiting;
    private boolean running = true;
    /** Transports assigned to this worker; only read to balance the assignment. */
    int assigned;

    PacketWorker(String name, int capacity) {
        if (capacity <= HANDSHAKE_RESERVE) {
            throw new IllegalArgumentException("capacity must be more than " + HANDSHAKE_RESERVE);
        }
        slots = new Slot[capacity];
        maxShare = capacity / 4;
        for (int i = 0; i < capacity; i++) {
            slots[i] = new Slot();
        }
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        // An Error the loop does not contain (out of memory, a linkage error: the process is in trouble anyway) ends
        // the thread: say so loudly, as every participant on it stops being forwarded (their datagrams are then
        // dropped and counted as a full queue).
        thread.setUncaughtExceptionHandler((t, e) -> LOG.error("{} stopped: its participants are no longer forwarded",
                t.getName(), e));
        thread.start();
    }

    /** A participant's part of this worker's queue, for {@link #offer(Share, byte[], int, int, long, boolean)}. */
    public Share share(Sink sink) {
        return new Share(sink);
    }

    /**
     * Copies the datagram into a free slot for the worker. Returns false, and counts the drop, when the queue is full
     * or the worker is stopped; never blocks. Not limited to a share: for tests and single-participant use.
     *
     * @param handshake true for a DTLS datagram: it may also take the last {@link #HANDSHAKE_RESERVE} slots
     */
    public boolean offer(Sink sink, byte[] buf, int offset, int length, long arrivalNanos, boolean handshake) {
        return offer(sink, null, buf, offset, length, arrivalNanos, handshake) == Outcome.QUEUED;
    }

    /**
     * {@link #offer(Sink, byte[], int, int, long, boolean)} for one participant: also refused, as
     * {@link Outcome#OVER_SHARE}, when that participant already has a quarter of the queue waiting.
     */
    public Outcome offer(Share share, byte[] buf, int offset, int length, long arrivalNanos, boolean handshake) {
        return offer(share.sink, share, buf, offset, length, arrivalNanos, handshake);
    }

    private Outcome offer(Sink sink, Share share, byte[] buf, int offset, int length, long arrivalNanos,
                          boolean handshake) {
        if (length > MAX_DATAGRAM) {
            dropped.increment();
            return Outcome.DROPPED;
        }
        lock.lock();
        try {
            int limit = handshake ? slots.length : slots.length - HANDSHAKE_RESERVE;
            if (!running || count >= limit) {
                dropped.increment();
                return Outcome.DROPPED;
            }
            if (share != null) {
                if (share.queued >= maxShare) {
                    return Outcome.OVER_SHARE;
                }
                share.queued++;
            }
            Slot slot = slots[(head + count) % slots.length];
            System.arraycopy(buf, offset, slot.data, 0, length);
            slot.length = length;
            slot.arrivalNanos = arrivalNanos;
            slot.sink = sink;
            slot.share = share;
            count++;
            if (waiting) {
                waiting = false;
                notEmpty.signal();
            }
            return Outcome.QUEUED;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            int start;
            int taken;
            lock.lock();
            try {
                while (count == 0 && running) {
                    waiting = true;
                    notEmpty.awaitUninterruptibly();
                }
                if (!running) {
                    return;
                }
                start = head;
                taken = Math.min(count, BATCH);
            } finally {
                lock.unlock();
            }
            // Producers write only past head + count, which still includes these slots: they are the worker's alone.
            for (int i = 0; i < taken; i++) {
                Slot slot = slots[(start + i) % slots.length];
                Sink sink = slot.sink;
                slot.sink = null;
                try {
                    sink.receive(slot.data, 0, slot.length, slot.arrivalNanos);
                } catch (RuntimeException | StackOverflowError | AssertionError e) {
                    // A sink counts its own errors; this is the last guard that keeps the worker alive. Errors one
                    // packet can cause (a runaway recursion, a broken assertion) are contained too: a worker that
                    // died would leave every participant on it unforwarded.
                    failures.increment();
                    if (failures.sum() <= 100) {
                        LOG.error("{}: packet processing failed", thread.getName(), e);
                    }
                }
            }
            processed.add(taken);
            lock.lock();
            try {
                for (int i = 0; i < taken; i++) {
                    Slot slot = slots[(start + i) % slots.length];
                    if (slot.share != null) {
                        slot.share.queued--;
                        slot.share = null;
                    }
                }
                head = (start + taken) % slots.length;
                count -= taken;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Datagrams dropped because the queue was full (or the worker stopped). */
    public long dropped() {
        return dropped.sum();
    }

    public long processed() {
        return processed.sum();
    }

    /** Datagrams whose processing threw: contained, logged (the first hundred) and counted. */
    public long failures() {
        return failures.sum();
    }

    /** Stops the thread; queued datagrams are discarded. */
    @Override
    public void close() {
        lock.lock();
        try {
            running = false;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
