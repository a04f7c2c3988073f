package org.sfu.media.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class CounterRegistryTest {

    @Test
    void aStageReportsWhenReadWithItsLabelsAndADropCarriesItsReason() {
        CounterRegistry registry = new CounterRegistry();
        LongAdder sent = new LongAdder();
        sent.add(7);
        CounterRegistry.Registration consumer = registry.register(
                Map.of("room", "r", "participant", "bob", "stage", "consumer"), out -> {
                    out.accept("consumer_rtp_sent", sent.sum());
                    out.accept("consumer_dropped_no_codec", 2L);
                });
        registry.register(Map.of("room", "r", "participant", "alice", "stage", "transport"),
                out -> out.accept("dropped_oversize", 1L));

        sent.increment();
        List<CounterRegistry.Sample> bob = registry.snapshot(l -> "bob".equals(l.get("participant")));

        assertEquals(List.of(
                new CounterRegistry.Sample("consumer_rtp_sent", Map.of("room", "r", "participant", "bob",
                        "stage", "consumer"), 8),
                new CounterRegistry.Sample("consumer_dropped", Map.of("room", "r", "participant", "bob",
                        "stage", "consumer", "reason", "no_codec"), 2)), bob, "read now, not when registered");
        assertEquals("consumer_dropped_no_codec", bob.get(1).reportedName());
        CounterRegistry.Sample transport = registry.snapshot(l -> "alice".equals(l.get("participant"))).get(0);
        assertEquals("dropped", transport.name());
        assertEquals("oversize", transport.labels().get("reason"));

        consumer.close();
        assertEquals(1, registry.size());
        assertEquals(List.of(), registry.snapshot(l -> "bob".equals(l.get("participant"))), "gone with its stage");
    }

    @Test
    void onlyAWholeWordDroppedMakesADrop() {
        CounterRegistry registry = new CounterRegistry();
        registry.register(Map.of("stage", "x"), out -> out.accept("undropped_things", 1L));
        assertEquals("undropped_things", registry.snapshot().get(0).name());
    }
}
