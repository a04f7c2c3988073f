package org.sfu.signaling;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one client's tasks one at a time, in the order they arrived, on a shared pool: negotiation work leaves the
 * event loop without ever reordering a client's messages. One task per turn: after each, the client's next task goes
 * to the back of the pool's queue, so a client with a long backlog takes turns with the others instead of holding a
 * pool thread until its backlog is done.
 */
final class OrderedExecutor implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(OrderedExecutor.class);

    private final Executor pool;
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    OrderedExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        pool.execute(this::drain);
    }

    private void drain() {
        Runnable next;
        synchronized (tasks) {
            next = tasks.poll();
            if (next == null) {
                running = false;
                return;
            }
        }
        try {
            next.run();
        } catch (Throwable e) {
            // One client's failed task must not stop its later messages from being handled.
            LOG.error("signaling task failed", e);
        }
        synchronized (tasks) {
            if (tasks.isEmpty()) {
                running = false;
                return;
            }
        }
        pool.execute(this::drain);
    }
}
