package org.sfu.media.counters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Every counter of the server's stages, with labels that say whose it is ({@code room}, {@code participant},
 * {@code stream}, {@code kind}, {@code stage}) and, for a drop, why ({@code reason}): what a metrics exporter reads
 * without knowing any stage. One registry per media engine, nothing global.
 *
 * <p>Stages keep counting in their own {@code LongAdder}s on the packet path, so an increment costs what it did; each
 * registers a {@link Source} that reports its counters by name when the registry is read, and closes the
 * registration when the stage goes. Names are lower_snake_case; a name {@code <x>dropped_<reason>} is a drop, read as
 * the counter {@code <x>dropped} with the label {@code reason=<reason>}, so that every drop reason of a stage is one
 * labelled counter. Thread-safe.
 */
public final class CounterRegistry {

    /** A stage's counters, by name, as they are now. Called on the reading thread: must be quick and not block. */
    @FunctionalInterface
    public interface Source {
        void report(BiConsumer<String, Long> counter);
    }

    /** One counter's value with its labels. */
    public record Sample(String name, Map<String, String> labels, long value) {
        /** The name the stage reported: {@link #name()} with the drop reason appended again. */
        public String reportedName() {
            String reason = labels.get("reason");
            return reason == null ? name : name + "_" + reason;
        }
    }

    /** A stage's place in the registry; closing it removes the stage's counters. */
    public final class Registration implements AutoCloseable {
        private final Map<String, String> labels;
        private final Source source;

        private Registration(Map<String, String> labels, Source source) {
            this.labels = labels;
            this.source = source;
        }

        @Override
        public void close() {
            if (registrations.remove(this)) {
                // What the stage counted stays in the totals: an exported counter never goes down when a
                // participant leaves.
                source.report((name, value) -> {
                    Sample s = sample(name, labels, value);
                    retired.computeIfAbsent(new Total(s.name(), aggregated(s.labels())), k -> new LongAdder())
                            .add(s.value());
                });
            }
        }
    }

    /**
     * The labels {@link #totals()} keeps: few values each, so that a metric per combination stays cheap to export.
     * Room, participant and stream are left out: they grow with the rooms and the people in them.
     */
    public static final Set<String> AGGREGATED_LABELS = Set.of("stage", "kind", "reason");

    private record Total(String name, Map<String, String> labels) {
    }

    private final Set<Registration> registrations = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<Total, LongAdder> retired = new ConcurrentHashMap<>();
    private final Latencies latencies = new Latencies();

    /** The engine's timing histograms, read by an exporter as the counters are. */
    public Latencies latencies() {
        return latencies;
    }

    /**
     * Adds a stage. {@code labels} name it (for example {@code room}, {@code participant}, {@code stage}); keep
     * their values few per label where a metric is meant to be aggregated.
     */
    public Registration register(Map<String, String> labels, Source source) {
        Registration r = new Registration(Map.copyOf(labels), source);
        registrations.add(r);
        return r;
    }

    /** Every counter of every registered stage. */
    public List<Sample> snapshot() {
        return snapshot(labels -> true);
    }

    /** The counters of the stages whose labels pass the filter. */
    public List<Sample> snapshot(Predicate<Map<String, String>> stages) {
        List<Sample> out = new ArrayList<>();
        for (Registration r : registrations) {
            if (!stages.test(r.labels)) {
                continue;
            }
            r.source.report((name, value) -> out.add(sample(name, r.labels, value)));
        }
        return out;
    }

    /**
     * Every counter since the registry was made, summed over rooms, participants and streams: by name and the
     * {@link #AGGREGATED_LABELS}, counting what stages that have gone had counted. Values never decrease.
     */
    public List<Sample> totals() {
        Map<Total, Long> sums = new LinkedHashMap<>();
        retired.forEach((k, v) -> sums.merge(k, v.sum(), Long::sum));
        for (Sample s : snapshot()) {
            sums.merge(new Total(s.name(), aggregated(s.labels())), s.value(), Long::sum);
        }
        List<Sample> out = new ArrayList<>(sums.size());
        sums.forEach((k, v) -> out.add(new Sample(k.name(), k.labels(), v)));
        return out;
    }

    private static Map<String, String> aggregated(Map<String, String> labels) {
        Map<String, String> kept = new LinkedHashMap<>();
        labels.forEach((k, v) -> {
            if (AGGREGATED_LABELS.contains(k)) {
                kept.put(k, v);
            }
        });
        return Map.copyOf(kept);
    }

    /** The number of registered stages (each closes its registration when it goes). */
    public int size() {
        return registrations.size();
    }

    private static Sample sample(String reported, Map<String, String> labels, long value) {
        int dropped = reported.indexOf("dropped_");
        if (dropped < 0 || !(dropped == 0 || reported.charAt(dropped - 1) == '_')) {
            return new Sample(reported, labels, value);
        }
        Map<String, String> withReason = new LinkedHashMap<>(labels);
        withReason.put("reason", reported.substring(dropped + "dropped_".length()));
        return new Sample(reported.substring(0, dropped + "dropped".length()), Map.copyOf(withReason), value);
    }
}
