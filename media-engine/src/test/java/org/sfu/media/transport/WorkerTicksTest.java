package org.sfu.media.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.Test;

/**
 * The passes are driven by the test ({@link WorkerTicks#pass()}), not by a clock: each task must run exactly as often,
 * counted in passes, as its own timer did.
 */
class WorkerTicksTest {

    @Test
    void everyTaskRunsOnItsOwnPeriodCountedFromItsRegistration() {
        WorkerTicks ticks = new WorkerTicks("test", null);
        List<String> ran = new ArrayList<>();
        ticks.every(1, () -> ran.add("feedback"));
        ticks.every(3, () -> ran.add("consent"));
        for (int pass = 1; pass <= 6; pass++) {
            ticks.pass();
            ran.add("|");
        }
        assertEquals(List.of("feedback", "|", "feedback", "|", "feedback", "consent", "|",
                "feedback", "|", "feedback", "|", "feedback", "consent", "|"), ran);
    }

    @Test
    void aTaskRegisteredLaterCountsFromItsOwnStart() {
        WorkerTicks ticks = new WorkerTicks("test", null);
        int[] first = new int[1];
        int[] second = new int[1];
        ticks.every(2, () -> first[0]++);
        ticks.pass();
        ticks.every(2, () -> second[0]++);
        ticks.pass();
        assertEquals(1, first[0]);
        assertEquals(0, second[0], "registered one pass ago, its period is two passes");
        ticks.pass();
        assertEquals(1, first[0]);
        assertEquals(1, second[0]);
    }

    @Test
    void aCancelledTaskRunsNoMoreAndTheOthersGoOn() {
        WorkerTicks ticks = new WorkerTicks("test", null);
        int[] kept = new int[1];
        int[] gone = new int[1];
        ticks.every(1, () -> kept[0]++);
        WorkerTicks.Registration r = ticks.every(1, () -> gone[0]++);
        ticks.pass();
        r.cancel();
        r.cancel();
        ticks.pass();
        ticks.pass();
        assertEquals(3, kept[0]);
        assertEquals(1, gone[0]);
        assertEquals(1, ticks.size());
    }

    @Test
    void aTaskMayCancelItselfDuringThePass() {
        WorkerTicks ticks = new WorkerTicks("test", null);
        int[] runs = new int[2];
        WorkerTicks.Registration[] self = new WorkerTicks.Registration[1];
        self[0] = ticks.every(1, () -> {
            runs[0]++;
            self[0].cancel();
        });
        ticks.every(1, () -> runs[1]++);
        ticks.pass();
        ticks.pass();
        assertEquals(1, runs[0]);
        assertEquals(2, runs[1], "the task after the cancelled one still runs in the same pass and the next");
    }

    @Test
    void aTaskThatThrowsDoesNotStopItselfOrTheOthers() {
        WorkerTicks ticks = new WorkerTicks("test", null);
        int[] runs = new int[2];
        ticks.every(1, () -> {
            runs[0]++;
            throw new IllegalStateException("broken participant");
        });
        ticks.every(1, () -> runs[1]++);
        ticks.pass();
        ticks.pass();
        assertEquals(2, runs[0]);
        assertEquals(2, runs[1]);
    }

    @Test
    void thePassIsScheduledOnlyWhileSomethingIsRegistered() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
        timer.setRemoveOnCancelPolicy(true);
        try {
            WorkerTicks ticks = new WorkerTicks("test", timer);
            assertTrue(timer.getQueue().isEmpty(), "nobody registered: nothing scheduled");
            WorkerTicks.Registration a = ticks.every(1, () -> { });
            WorkerTicks.Registration b = ticks.every(20, () -> { });
            assertEquals(1, timer.getQueue().size(), "one pass for every task of the worker");
            a.cancel();
            assertEquals(1, timer.getQueue().size());
            b.cancel();
            assertTrue(timer.getQueue().isEmpty(), "the last task gone: the pass is cancelled");
            ticks.every(1, () -> { });
            assertEquals(1, timer.getQueue().size(), "and scheduled again for the next");
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void aPeriodBelowOnePassIsRefused() {
        WorkerTicks ticks = new WorkerTicks("test", null);
        assertThrows(IllegalArgumentException.class, () -> ticks.every(0, () -> { }));
        assertEquals(0, ticks.size());
    }

    @Test
    void eachWorkerHasItsOwnPassWhenGivenATimer() {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (PacketWorkers withTimer = new PacketWorkers(2, 64, timer);
             PacketWorkers without = new PacketWorkers(1, 64)) {
            PacketWorker first = withTimer.assign();
            PacketWorker second = withTimer.assign();
            assertTrue(first.ticks() != null && second.ticks() != null);
            assertFalse(first.ticks() == second.ticks(), "one pass per worker, over its own participants");
            assertEquals(null, without.assign().ticks());
        } finally {
            timer.shutdownNow();
        }
    }
}
