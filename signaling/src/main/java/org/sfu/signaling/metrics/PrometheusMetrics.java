package org.sfu.signaling.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.sfu.media.MediaEngine;
import org.sfu.media.counters.CounterRegistry;
import org.sfu.media.counters.LatencyHistogram;
import org.sfu.media.router.Peer;
import org.sfu.media.router.Router;
import org.sfu.media.rtp.MediaKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server as Prometheus sees it ({@code GET /metrics}, text exposition format), through Micrometer: every counter of
 * the media engine's {@link CounterRegistry} as {@code sfu_<name>_total}, summed over rooms, participants and streams
 * and labelled only by stage, kind and drop reason (few values each, so the series do not grow with the rooms);
 * gauges for rooms, participants, signaling clients, producers and consumers by kind; the engine's timing histograms
 * ({@code sfu_ice_connect_seconds}, {@code sfu_dtls_handshake_seconds}, {@code sfu_first_frame_seconds},
 * {@code sfu_forwarding_delay_seconds}, see {@link org.sfu.media.counters.Latencies}); and the JVM's own meters.
 *
 * <p>The media counters are read when scraped, not pushed: the packet path keeps counting in its own adders.
 */
public final class PrometheusMetrics implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PrometheusMetrics.class);
    private static final String NONE = "none";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final CounterRegistry counters;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    /** The latest total of each media counter, by name and labels: what its registered meter reads. */
    private final Map<String, AtomicLong> latest = new ConcurrentHashMap<>();

    /**
     * @param signalingClients the clients with a signaling session now
     * @param connections      the signaling connections admitted and open now
     */
    public PrometheusMetrics(MediaEngine media, IntSupplier signalingClients, IntSupplier connections) {
        this.counters = media.counters();
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("sfu.rooms", media, MediaEngine::routerCount)
                .description("rooms with participants").register(registry);
        Gauge.builder("sfu.participants", media, m -> m.routers().stream().mapToInt(Router::size).sum())
                .description("participants in all rooms").register(registry);
        // Strong references: Micrometer holds a gauge's object weakly, and nothing else holds these lambdas.
        Gauge.builder("sfu.signaling.clients", signalingClients, IntSupplier::getAsInt).strongReference(true)
                .description("clients with a signaling session").register(registry);
        Gauge.builder("sfu.signaling.connections", connections, IntSupplier::getAsInt).strongReference(true)
                .description("signaling connections admitted and open").register(registry);
        for (MediaKind kind : MediaKind.values()) {
            Gauge.builder("sfu.producers", media, m -> tracks(m, kind, true)).tag("kind", kind.sdpName())
                    .description("tracks participants send").register(registry);
            Gauge.builder("sfu.consumers", media, m -> tracks(m, kind, false)).tag("kind", kind.sdpName())
                    .description("tracks forwarded to a participant, one per receiver").register(registry);
        }
        Gauge.builder("sfu.media.worker.queue.depth", media, MediaEngine::mediaQueueDepth)
                .description("datagrams waiting for the media workers, all workers together").register(registry);
        for (LatencyHistogram h : counters.latencies().all()) {
            registry.getPrometheusRegistry().register(new HistogramCollector(h));
        }
    }

    /**
     * One of the engine's timing histograms as a Prometheus classic histogram ({@code sfu_<name>_bucket},
     * {@code _count}, {@code _sum}), read when scraped. Micrometer's own timers would record the value themselves; the
     * engine records into its own buckets (it may not depend on Micrometer, and its packet path may not allocate), so
     * these are handed to the Prometheus registry under Micrometer as they are.
     */
    private static final class HistogramCollector implements Collector {
        private final LatencyHistogram histogram;
        private final String name;
        private final double[] bounds;

        HistogramCollector(LatencyHistogram histogram) {
            this.histogram = histogram;
            this.name = "sfu_" + histogram.name();
            double[] finite = histogram.boundsSeconds();
            this.bounds = java.util.Arrays.copyOf(finite, finite.length + 1);
            bounds[finite.length] = Double.POSITIVE_INFINITY;
        }

        @Override
        public MetricSnapshot collect() {
            LatencyHistogram.Snapshot s = histogram.snapshot();
            return HistogramSnapshot.builder().name(name).help(histogram.help())
                    .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                            .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, s.counts()))
                            .sum(s.sumSeconds()).build())
                    .build();
        }

        @Override
        public String getPrometheusName() {
            return name;
        }
    }

    private static double tracks(MediaEngine media, MediaKind kind, boolean produced) {
        long n = 0;
        for (Router r : media.routers()) {
            for (Peer p : r.peers()) {
                n += produced ? p.producers().stream().filter(x -> x.kind() == kind).count()
                        : p.consumers().stream().filter(x -> x.producer().kind() == kind).count();
            }
        }
        return n;
    }

    /** The exposition text, with the media counters read now. */
    public synchronized String scrape() {
        for (CounterRegistry.Sample s : counters.totals()) {
            // Every series of one name has the same label names, as Prometheus requires: a missing one is "none".
            Map<String, String> labels = new TreeMap<>();
            for (String label : CounterRegistry.AGGREGATED_LABELS) {
                labels.put(label, s.labels().getOrDefault(label, NONE));
            }
            String key = s.name() + labels;
            AtomicLong value = latest.get(key);
            if (value == null) {
                value = new AtomicLong();
                try {
                    Tags tags = Tags.empty();
                    for (Map.Entry<String, String> e : labels.entrySet()) {
                        tags = tags.and(e.getKey(), e.getValue());
                    }
                    FunctionCounter.builder("sfu." + s.name(), value, AtomicLong::doubleValue).tags(tags)
                            .register(registry);
                } catch (IllegalArgumentException e) {
                    LOG.warn("Counter {} not exported: {}", key, e.getMessage());
                }
                latest.put(key, value);
            }
            value.set(s.value());
        }
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
