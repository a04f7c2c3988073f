package org.sfu.signaling.webhooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.media.counters.CounterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers webhooks: each event POSTed as JSON to every configured URL, signed ({@link WebhookSignature}), retried
 * with exponential back-off, per URL one at a time and in the order posted.
 *
 * <p>{@link #post} only serialises the event and appends it to each URL's bounded queue: it never waits for the
 * network, so the signaling and media threads that report room changes are never held up by a receiver. A full queue
 * drops its oldest event (counted, and visible to the receiver as a gap in {@code sequence}). The requests go out on
 * the JDK's HTTP client, on this sender's own daemon threads ({@code webhook-N}); back-off waits on a timer, holding
 * no thread.
 */
public final class WebhookSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);
    private static final String USER_AGENT = "sfu-webhooks/1";

    private final WebhookSettings.Delivery delivery;
    private final WebhookSignature signature;
    private final ObjectMapper json = new ObjectMapper();
    private final ExecutorService threads;
    private final ScheduledExecutorService timer;
    private final HttpClient http;
    private final List<Destination> destinations = new ArrayList<>();
    private volatile boolean closed;

    private final LongAdder sent = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder droppedQueueFull = new LongAdder();

    public WebhookSender(WebhookSettings settings) {
        if (!settings.enabled()) {
            throw new IllegalArgumentException("no webhook URL configured");
        }
        this.delivery = settings.delivery();
        this.signature = new WebhookSignature(settings.secret());
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "webhook-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "webhook-retry");
            t.setDaemon(true);
            return t;
        });
        // HTTP/1.1: the default would offer every http:// receiver an h2c upgrade, which some mishandle.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(threads)
                .connectTimeout(delivery.requestTimeout()).followRedirects(HttpClient.Redirect.NEVER).build();
        for (URI url : settings.urls()) {
            destinations.add(new Destination(url));
        }
        // Jackson builds a type's serializer on first use; done here, the first real event, posted under a room's
        // lock, does not pay for it.
        try {
            json.writeValueAsBytes(new WebhookEvent("", WebhookEvent.Type.ROOM_STARTED, 0, 0, "",
                    new WebhookEvent.Participant("", ""), new WebhookEvent.Track("", "", ""), ""));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Queues {@code event} for every URL and returns at once. Any thread; after {@link #close} it is dropped. */
    public void post(WebhookEvent event) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            // Records of strings and numbers always serialise; should one not, the event is lost, not the caller.
            LOG.error("Webhook {} not serialisable", event.event(), e);
            return;
        }
        Pending pending = new Pending(event.id(), event.event().wireName(), body);
        for (Destination d : destinations) {
            d.enqueue(pending);
        }
    }

    /** Adds the delivery counters to {@code registry} (stage {@code webhook}): what {@code /metrics} exports. */
    public CounterRegistry.Registration countIn(CounterRegistry registry) {
        return registry.register(Map.of("stage", "webhook"), out -> {
            out.accept("webhook_sent", sent.sum());
            out.accept("webhook_retried", retried.sum());
            out.accept("webhook_failed", failed.sum());
            out.accept("webhook_dropped_queue_full", droppedQueueFull.sum());
        });
    }

    /** Events delivered (a 2xx answer). */
    public long sent() {
        return sent.sum();
    }

    /** Attempts that failed and were tried again later. */
    public long retried() {
        return retried.sum();
    }

    /** Events given up after their last attempt failed. */
    public long failed() {
        return failed.sum();
    }

    /** Events dropped unsent because their URL's queue was full. */
    public long dropped() {
        return droppedQueueFull.sum();
    }

    /** Events queued or being delivered, over every URL. */
    public int pending() {
        int n = 0;
        for (Destination d : destinations) {
            n += d.pending();
        }
        return n;
    }

    /** {@link #close(Duration)} with a short flush: a dead receiver must not hold a shutdown up. */
    @Override
    public void close() {
        close(Duration.ofSeconds(2));
    }

    /**
     * Takes no more events, gives those queued up to {@code flush} to be delivered (the last ones of a shutdown are
     * often the most interesting: participants leaving, rooms finishing), then stops.
     */
    public void close(Duration flush) {
        closed = true;
        long deadline = System.nanoTime() + flush.toNanos();
        try {
            for (Destination d : destinations) {
                d.awaitIdle(deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = pending();
        if (left > 0) {
            LOG.warn("Webhooks: {} events not delivered at shutdown", left);
        }
        timer.shutdownNow();
        threads.shutdownNow();
    }

    /** One event's bytes, shared by every URL's queue. */
    private record Pending(String id, String type, byte[] body) {
    }

    /**
     * One receiver: its queue and its one delivery at a time, which is what keeps its events in order. The queue
     * and {@code busy} are guarded by this object.
     */
    private final class Destination {
        private final URI url;
        private final ArrayDeque<Pending> queue = new ArrayDeque<>();
        /** Delivery is running: an event in flight or waiting for its next attempt, or about to be taken. */
        private boolean busy;
        /** The event being delivered, out of the queue so that dropping the oldest never drops it mid-attempt. */
        private Pending current;
        private long droppedInARow;

        Destination(URI url) {
            this.url = url;
        }

        void enqueue(Pending event) {
            boolean start;
            synchronized (this) {
                if (closed) {
                    return;
                }
                if (queue.size() >= delivery.queueCapacity()) {
                    queue.pollFirst();
                    droppedQueueFull.increment();
                    if (droppedInARow++ % 1000 == 0) {
                        LOG.warn("Webhooks to {}: queue full ({} events); dropping the oldest", describe(url),
                                delivery.queueCapacity());
                    }
                } else {
                    droppedInARow = 0;
                }
                queue.addLast(event);
                start = !busy;
                busy = true;
            }
            if (start) {
                // Off the caller's thread: even starting a request (a name lookup, a connection) may take time.
                run(this::next);
            }
        }

        synchronized int pending() {
            return queue.size() + (current != null ? 1 : 0);
        }

        synchronized void awaitIdle(long deadlineNanos) throws InterruptedException {
            while (busy) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        private void next() {
            Pending event;
            synchronized (this) {
                event = queue.pollFirst();
                current = event;
                if (event == null) {
                    busy = false;
                    notifyAll();
                    return;
                }
            }
            attempt(event, 1);
        }

        private void attempt(Pending event, int number) {
            HttpRequest request = HttpRequest.newBuilder(url)
                    .timeout(delivery.requestTimeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", USER_AGENT)
                    .header("X-Sfu-Event", event.type())
                    .header(WebhookSignature.HEADER, signature.sign(Instant.now(), event.body()))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(event.body()))
                    .build();
            try {
                http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                        .whenComplete((response, error) -> completed(event, number,
                                error != null ? error.toString() : response.statusCode() / 100 == 2 ? null
                                        : "HTTP " + response.statusCode()));
            } catch (RuntimeException e) {
                // The client's executor is shut down: the sender is closing.
                completed(event, number, e.toString());
            }
        }

        private void completed(Pending event, int number, String failure) {
            if (failure == null) {
                sent.increment();
                next();
                return;
            }
            if (number >= delivery.maxAttempts() || timer.isShutdown()) {
                failed.increment();
                LOG.warn("Webhook {} ({}) to {} failed {} times, last: {}; giving it up", event.id(), event.type(),
                        describe(url), number, failure);
                next();
                return;
            }
            retried.increment();
            // 0.5 s, 1 s, 2 s, ...: a receiver that restarts or is briefly overloaded gets room to recover.
            long delayMillis = delivery.firstRetryDelay().toMillis() << Math.min(number - 1, 20);
            LOG.debug("Webhook {} to {}: attempt {} failed ({}); next in {} ms", event.id(), describe(url), number,
                    failure, delayMillis);
            try {
                timer.schedule(() -> run(() -> attempt(event, number + 1)), delayMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                completed(event, delivery.maxAttempts(), failure);
            }
        }

        private void run(Runnable task) {
            try {
                threads.execute(task);
            } catch (RejectedExecutionException e) {
                // Closed: nothing more goes out.
                synchronized (this) {
                    busy = false;
                    current = null;
                    notifyAll();
                }
            }
        }
    }

    /** Scheme, host, port and path: enough to tell receivers apart in a log, without a query that may hold a key. */
    private static String describe(URI url) {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                + (url.getRawPath() == null ? "" : url.getRawPath());
    }

    static String describeAll(List<URI> urls) {
        List<String> out = new ArrayList<>();
        urls.forEach(u -> out.add(describe(u)));
        return String.join(", ", out);
    }
}
