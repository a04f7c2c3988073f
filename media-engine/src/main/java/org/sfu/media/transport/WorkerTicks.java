package org.sfu.media.transport;

import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The periodic work of the participants on one media worker, run as one pass every {@link #TICK_MILLIS} on the
 * timer thread: each participant's feedback tick (every pass) and consent check (every 20th), instead of a scheduled
 * task per participant and job.
 *
 * <p>Why: with a task of its own, every participant woke the timer thread 21 times a second even while it sent
 * nothing, and each wake-up went through the scheduler's queue, its lock and a future. One pass over many participants
 * costs one wake-up, and a participant with nothing to do costs a countdown and a call that returns at once
 * (issue #16, docs/PERFORMANCE.md "Fixed cost of an idle participant"). Nothing is scheduled while no participant is
 * registered.
 *
 * <p>Each task keeps its own period, counted in passes from its registration, so it runs as often as its own timer
 * did; only its phase moves to the worker's pass (up to one tick earlier). The state a task touches stays its
 * participant's: this class only calls it.
 *
 * <p>Threads: {@link #every} and {@link Registration#cancel()} from any thread; passes on the timer thread, one at a
 * time (the scheduler never overlaps runs of a fixed-rate task), or from a test calling {@link #pass()}.
 */
public final class WorkerTicks {
    /** The pass period: the shortest period of any task (transport feedback, 50 ms). */
    public static final long TICK_MILLIS = 50;

    private static final Logger LOG = LoggerFactory.getLogger(WorkerTicks.class);
    private static final Registration[] NONE = new Registration[0];

    /** One task's place in the passes. */
    public final class Registration {
        private final Runnable task;
        private final int everyTicks;
        /** Passes left until the task runs next; only touched by passes. */
        private int countdown;
        private volatile boolean cancelled;

        private Registration(Runnable task, int everyTicks) {
            this.task = task;
            this.everyTicks = everyTicks;
            this.countdown = everyTicks;
        }

        /** The task runs no more (a pass under way may still run it once); idempotent, and safe from the task. */
        public void cancel() {
            if (!cancelled) {
                cancelled = true;
                remove(this);
            }
        }
    }

    private final String name;
    private final ScheduledExecutorService timer;
    /** Replaced whole on each change and read by the pass without a lock; changes are joins and leaves only. */
    private volatile Registration[] registered = NONE;
    // Guarded by this: the scheduled pass, while anything is registered.
    private ScheduledFuture<?> passes;

    /**
     * @param name  for the log (the worker's name)
     * @param timer the thread the passes run on
     */
    public WorkerTicks(String name, ScheduledExecutorService timer) {
        this.name = name;
        this.timer = timer;
    }

    /**
     * Runs {@code task} every {@code everyTicks} passes from now on, the first time after {@code everyTicks}
     * passes, until the returned registration is cancelled. A task that throws is logged and still run next time.
     */
    public Registration every(int everyTicks, Runnable task) {
        if (everyTicks < 1) {
            throw new IllegalArgumentException("everyTicks must be at least 1");
        }
        Registration r = new Registration(task, everyTicks);
        synchronized (this) {
            Registration[] now = registered;
            Registration[] grown = Arrays.copyOf(now, now.length + 1);
            grown[now.length] = r;
            registered = grown;
            if (passes == null && timer != null) {
                passes = timer.scheduleAtFixedRate(this::pass, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
        return r;
    }

    /** Tasks registered now. */
    public int size() {
        return registered.length;
    }

    private synchronized void remove(Registration r) {
        Registration[] now = registered;
        int at = -1;
        for (int i = 0; i < now.length; i++) {
            if (now[i] == r) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            return;
        }
        Registration[] shrunk = new Registration[now.length - 1];
        System.arraycopy(now, 0, shrunk, 0, at);
        System.arraycopy(now, at + 1, shrunk, at, now.length - at - 1);
        registered = shrunk.length == 0 ? NONE : shrunk;
        if (shrunk.length == 0 && passes != null) {
            passes.cancel(false);
            passes = null;
        }
    }

    /**
     * One pass: counts every registered task down and runs those whose period is over, in registration order.
     * Allocates nothing. Called by the timer; public for tests, which drive the passes themselves.
     */
    public void pass() {
        Registration[] now = registered;
        for (Registration r : now) {
            if (r.cancelled || --r.countdown > 0) {
                continue;
            }
            r.countdown = r.everyTicks;
            try {
                r.task.run();
            } catch (RuntimeException | StackOverflowError | AssertionError e) {
                // A fixed-rate task that throws is never run again: keep this participant's and the others' going.
                LOG.error("{}: periodic task failed", name, e);
            }
        }
    }
}
