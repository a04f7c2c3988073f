package org.sfu.signaling;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting in tests: a condition polled until it holds or a deadline passes, never a bare sleep. */
public final class Poll {
    private static final long INTERVAL_MILLIS = 20;

    private Poll() {
    }

    /** Returns once {@code condition} holds; fails the test if it does not within {@code timeout}. */
    public static void until(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        until(timeout, condition, () -> "condition not met within " + timeout);
    }

    /** {@link #until(Duration, BooleanSupplier)}, failing with {@code failure}'s message: what was there instead. */
    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> failure)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure.get());
            }
            Thread.sleep(INTERVAL_MILLIS);
        }
    }
}
