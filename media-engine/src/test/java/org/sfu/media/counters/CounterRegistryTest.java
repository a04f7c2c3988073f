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
    void totalsSumOverParticipantsAndKeepWhatStagesThatLeftHadCounted() {
        CounterRegistry registry = new CounterRegistry();
        LongAdder bobSent = new LongAdder();
        bobSent.add(5);
        CounterRegistry.Registration bob = registry.register(
                Map.of("room", "r1", "participant", "bob", "stage", "consumer", "kind", "video"), out -> {
                    out.accept("consumer_rtp_sent", bobSent.sum());
                    out.accept("consumer_dropped_paused", 1L);
                });
        registry.register(Map.of("room", "r2", "participant", "carol", "stage", "consumer", "kind", "video"),
                out -> out.accept("consumer_rtp_sent", 3L));

        assertEquals(List.of(
                new CounterRegistry.Sample("consumer_rtp_sent", Map.of("stage", "consumer", "kind", "video"), 8),
                new CounterRegistry.Sample("consumer_dropped", Map.of("stage", "consumer", "kind", "video",
                        "reason", "paused"), 1)), sorted(registry.totals()), "rooms and people summed away");

        bobSent.add(2);
        bob.close();

        assertEquals(List.of(
                new CounterRegistry.Sample("consumer_rtp_sent", Map.of("stage", "consumer", "kind", "video"), 10),
                new CounterRegistry.Sample("consumer_dropped", Map.of("stage", "consumer", "kind", "video",
                        "reason", "paused"), 1)), sorted(registry.totals()), "bob left; what he was sent still counts");
        bob.close();
        assertEquals(10, sorted(registry.totals()).get(0).value(), "closing twice counts once");
    }

    private static List<CounterRegistry.Sample> sorted(List<CounterRegistry.Sample> samples) {
        return samples.stream().sorted(java.util.Comparator.comparing(CounterRegistry.Sample::name).reversed())
                .toList();
    }

    @Test
    void onlyAWholeWordDroppedMakesADrop() {
        CounterRegistry registry = new CounterRegistry();
        registry.register(Map.of("stage", "x"), out -> out.accept("undropped_things", 1L));
        assertEquals("undropped_things", registry.snapshot().get(0).name());
    }
}
