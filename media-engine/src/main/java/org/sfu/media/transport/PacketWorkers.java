package org.sfu.media.transport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server's forwarding threads: a fixed set of {@link PacketWorker}s, one per core by default, each owning the
 * participants assigned to it. A new transport goes to the worker with the fewest, so rooms of any size spread over
 * every core without one participant's packets ever being processed on two threads.
 */
public final class PacketWorkers implements AutoCloseable {

    /** Per worker: 2,048 slots of 1,500 bytes (3 MB), ≈ 0.1 s of what 100 participants send at default rates. */
    public static final int DEFAULT_QUEUE_CAPACITY = 2048;

    private final List<PacketWorker> workers;

    /**
     * @param threads number of workers; 0 means one per available processor
     */
    public PacketWorkers(int threads, int queueCapacity) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must not be negative");
        }
        int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        List<PacketWorker> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(new PacketWorker("media-worker-" + (i + 1), queueCapacity));
        }
        workers = List.copyOf(list);
    }

    public int size() {
        return workers.size();
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

    /** Per worker: transports assigned, datagrams processed, datagrams dropped on a full queue. */
    public synchronized Map<String, Map<String, Long>> snapshot() {
        Map<String, Map<String, Long>> m = new LinkedHashMap<>();
        for (PacketWorker w : workers) {
            Map<String, Long> c = new LinkedHashMap<>();
            c.put("transports", (long) w.assigned);
            c.put("processed", w.processed());
            c.put("dropped_queue_full", w.dropped());
            m.put(w.name(), c);
        }
        return m;
    }

    @Override
    public void close() {
        workers.forEach(PacketWorker::close);
    }
}
