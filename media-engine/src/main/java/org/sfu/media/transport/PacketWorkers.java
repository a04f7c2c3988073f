package org.sfu.media.transport;

import java.util.ArrayList;
import java.util.List;

/**
 * The server's forwarding threads: a fixed set of {@link PacketWorker}s ({@link #defaultThreads()} unless set),
 * each owning the participants assigned to it. A new transport goes to the worker with the fewest, so rooms of any
 * size spread over the workers without one participant's packets ever being processed on two threads.
 */
public final class PacketWorkers implements AutoCloseable {

    /**
     * Per worker: 1,024 slots of 1,500 bytes (1.5 MB): ≈ 45 ms of what 100 participants send at the default rates.
     * The queue only fills when the worker cannot keep up; then a deeper queue would only add delay to every packet
     * (2,048 slots measured 150–350 ms of added delay under overload), so beyond this it drops.
     */
    public static final int DEFAULT_QUEUE_CAPACITY = 1024;

    private final List<PacketWorker> workers;

    /**
     * @param threads number of workers; 0 means {@link #defaultThreads()}
     */
    public PacketWorkers(int threads, int queueCapacity) {
        this(threads, queueCapacity, null);
    }

    /**
     * @param threads number of workers; 0 means {@link #defaultThreads()}
     * @param timer   the thread each worker's {@link WorkerTicks} runs its passes on; null: no ticks
     */
    public PacketWorkers(int threads, int queueCapacity, java.util.concurrent.ScheduledExecutorService timer) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must not be negative");
        }
        int n = threads == 0 ? defaultThreads() : threads;
        List<PacketWorker> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(new PacketWorker("media-worker-" + (i + 1), queueCapacity, timer));
        }
        workers = List.copyOf(list);
    }

    /**
     * One per available processor but one, and at least one. The spare core runs ice4j's socket thread, signaling,
     * DTLS handshakes and timers. Measured on 2 vCPUs at 2 rooms × 12 with the load generator on the same machine,
     * alternating: one worker 10.8 µs of server CPU per forwarded packet and 0.6 ms median delay, two workers
     * 11.3–12.0 µs and 0.7–0.9 ms. With every core taken, each wake-up of another thread preempts a worker, so a
     * worker on every core only pays when nothing else needs one; set {@code SFU_MEDIA_THREADS} on a dedicated
     * many-core machine.
     */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }

    public int size() {
        return workers.size();
    }

    /** Datagrams queued on all workers now (see {@link PacketWorker#queued()}). */
    public int queued() {
        int n = 0;
        for (PacketWorker w : workers) {
            n += w.queued();
        }
        return n;
    }

    /** The worker with the fewest transports; give it back with {@link #release} when the transport closes. */
    public synchronized PacketWorker assign() {
        PacketWorker least = workers.get(0);
        for (PacketWorker w : workers) {
            if (w.assigned < least.assigned) {
                least = w;
            }
        }
        least.assigned++;
        return least;
    }

    public synchronized void release(PacketWorker worker) {
        if (worker.assigned > 0) {
            worker.assigned--;
        }
    }

    @Override
    public void close() {
        workers.forEach(PacketWorker::close);
    }
}
