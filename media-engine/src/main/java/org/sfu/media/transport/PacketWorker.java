package org.sfu.media.transport;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that processes the datagrams of the participants assigned to it, each participant's in arrival order,
 * from a bounded queue of preallocated slots.
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
 * on the worker keep theirs. The worker serves the participants' lines in turn, up to {@link #QUANTUM} datagrams
 * from each per round, not in one arrival order: a flooder's full share would otherwise stand in front of every
 * other participant's next datagram, so that when the worker falls behind the others wait (and, once their own
 * shares fill, lose datagrams) behind the flood. In turn, a participant that sends less than its part of what the
 * worker can process waits for at most one round.
 */
public final class PacketWorker implements AutoCloseable {

    /** Where a queued datagram goes; called on the worker thread with bytes valid only during the call. */
    @FunctionalInterface
    public interface Sink {
        void receive(byte[] buf, int offset, int length, long arrivalNanos);
    }

    /**
     * One participant's part of the queue: where its datagrams go, the slots it holds, and its own line of waiting
     * datagrams, which the worker serves in turn with the other participants' lines.
     */
    public static final class Share {
        private final Sink sink;
        // Guarded by the worker's lock: slots held (waiting, or being processed), the waiting ones in arrival order
        // (a ring of slot indices), and whether the share is in the worker's round.
        private int queued;
        private final int[] waiting;
        private int first;
        private int size;
        private boolean inRound;

        private Share(Sink sink, int capacity) {
            this.sink = sink;
            this.waiting = new int[capacity];
        }

        private void add(int slot) {
            waiting[(first + size) % waiting.length] = slot;
            size++;
        }

        private int take() {
            int slot = waiting[first];
            first = (first + 1) % waiting.length;
            size--;
            return slot;
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
    /** The most datagrams of one participant's line the worker takes per round. */
    static final int QUANTUM = 8;

    private static final Logger LOG = LoggerFactory.getLogger(PacketWorker.class);

    private static final class Slot {
        final byte[] data = new byte[MAX_DATAGRAM];
        int length;
        long arrivalNanos;
        Sink sink;
        Share share;
    }

    private final Slot[] slots;
    /** Datagrams offered without a share (tests, single-participant use): one line of their own, without a cap. */
    private final Share unshared;
    // Guarded by lock: the free slots (a stack of indices), and the shares with datagrams waiting, in serving order.
    private final int[] free;
    private int freeCount;
    private final java.util.ArrayDeque<Share> round = new java.util.ArrayDeque<>();
    /** The worker thread's batch: slot indices taken from the lines, processed outside the lock. */
    private final int[] batch = new int[BATCH];
    /** The most slots one {@link Share} may hold at once. */
    private final int maxShare;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Thread thread;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder processed = new LongAdder();
    private final LongAdder failures = new LongAdder();
    // Guarded by lock: the number of slots filled (including those the worker is processing), whether the worker
    // waits for a signal, whether it should stop.
    private int count;
    private boolean waiting;
    private boolean running = true;
    /** Transports assigned to this worker; only read to balance the assignment. */
    int assigned;
    /** The periodic work of the participants on this worker; null when made without a timer. */
    private final WorkerTicks ticks;

    PacketWorker(String name, int capacity) {
        this(name, capacity, null);
    }

    /** @param timer where the participants' periodic work runs ({@link #ticks()}); null: nowhere */
    PacketWorker(String name, int capacity, java.util.concurrent.ScheduledExecutorService timer) {
        ticks = timer == null ? null : new WorkerTicks(name, timer);
        if (capacity <= HANDSHAKE_RESERVE) {
            throw new IllegalArgumentException("capacity must be more than " + HANDSHAKE_RESERVE);
        }
        slots = new Slot[capacity];
        maxShare = capacity / 4;
        free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            slots[i] = new Slot();
            free[i] = capacity - 1 - i;
        }
        freeCount = capacity;
        unshared = new Share(null, capacity);
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        // An Error the loop does not contain (out of memory, a linkage error: the process is in trouble anyway) ends
        // the thread: say so loudly, as every participant on it stops being forwarded (their datagrams are then
        // dropped and counted as a full queue).
        thread.setUncaughtExceptionHandler((t, e) -> LOG.error("{} stopped: its participants are no longer forwarded",
                t.getName(), e));
        thread.start();
    }

    /** The periodic work of this worker's participants, one pass for all of them; null without a timer. */
    public WorkerTicks ticks() {
        return ticks;
    }

    /** Datagrams waiting or being processed now: the queue's depth, for the metrics (takes the lock briefly). */
    public int queued() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    /** A participant's part of this worker's queue, for {@link #offer(Share, byte[], int, int, long, boolean)}. */
    public Share share(Sink sink) {
        return new Share(sink, maxShare);
    }

    /**
     * Copies the datagram into a free slot for the worker. Returns false, and counts the drop, when the queue is full
     * or the worker is stopped; never blocks. Not limited to a share: for tests and single-participant use.
     *
     * @param handshake true for a DTLS datagram: it may also take the last {@link #HANDSHAKE_RESERVE} slots
     */
    public boolean offer(Sink sink, byte[] buf, int offset, int length, long arrivalNanos, boolean handshake) {
        return offer(sink, unshared, buf, offset, length, arrivalNanos, handshake) == Outcome.QUEUED;
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
            if (share != unshared && share.queued >= maxShare) {
                return Outcome.OVER_SHARE;
            }
            share.queued++;
            int index = free[--freeCount];
            Slot slot = slots[index];
            System.arraycopy(buf, offset, slot.data, 0, length);
            slot.length = length;
            slot.arrivalNanos = arrivalNanos;
            slot.sink = sink;
            slot.share = share;
            share.add(index);
            if (!share.inRound) {
                share.inRound = true;
                round.addLast(share);
            }
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
            int taken = 0;
            lock.lock();
            try {
                while (round.isEmpty() && running) {
                    waiting = true;
                    notEmpty.awaitUninterruptibly();
                }
                if (!running) {
                    return;
                }
                // One round: up to QUANTUM from each line in turn; a line with more left goes to the back.
                while (taken < BATCH && !round.isEmpty()) {
                    Share share = round.pollFirst();
                    int n = Math.min(Math.min(QUANTUM, share.size), BATCH - taken);
                    for (int i = 0; i < n; i++) {
                        batch[taken++] = share.take();
                    }
                    if (share.size > 0) {
                        round.addLast(share);
                    } else {
                        share.inRound = false;
                    }
                }
            } finally {
                lock.unlock();
            }
            // Taken slots are neither free nor waiting until released below: they are the worker's alone.
            for (int i = 0; i < taken; i++) {
                Slot slot = slots[batch[i]];
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
                    Slot slot = slots[batch[i]];
                    slot.share.queued--;
                    slot.share = null;
                    free[freeCount++] = batch[i];
                }
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
