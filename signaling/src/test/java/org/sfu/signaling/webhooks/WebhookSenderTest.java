package org.sfu.signaling.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sfu.media.counters.CounterRegistry;
import org.sfu.signaling.Poll;

/**
 * Delivery against a receiver on loopback: signed JSON POSTs in order, retried with doubling back-off when the
 * receiver fails, given up after the last attempt, and a bounded queue that drops the oldest when the receiver hangs.
 */
class WebhookSenderTest {
    private static final String SECRET = "a-webhook-secret-of-32-characters!";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration FIRST_RETRY = Duration.ofMillis(100);

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private WebhookReceiver receiver(java.util.function.IntUnaryOperator policy) throws Exception {
        WebhookReceiver r = new WebhookReceiver(policy);
        open.add(r);
        return r;
    }

    private WebhookSender sender(WebhookSettings.Delivery delivery, String... urls) {
        WebhookSender s = new WebhookSender(WebhookSettings.of(List.of(urls), SECRET, delivery));
        open.add(0, () -> s.close(Duration.ZERO));
        return s;
    }

    private static WebhookEvent event(long sequence) {
        return new WebhookEvent("event-" + sequence, WebhookEvent.Type.PARTICIPANT_JOINED, sequence,
                1_700_000_000_000L + sequence, "standup", new WebhookEvent.Participant("p" + sequence, null), null,
                null);
    }

    @Test
    void eventsArrivePostedAsSignedJsonInOrder() throws Exception {
        WebhookReceiver receiver = receiver(n -> 200);
        WebhookSender sender = sender(WebhookSettings.Delivery.DEFAULT, receiver.url("hooks"));
        for (long i = 1; i <= 20; i++) {
            sender.post(event(i));
        }
        Poll.until(WAIT, () -> receiver.delivered().size() == 20, () -> "delivered: " + receiver.requests());
        WebhookSignature verifier = new WebhookSignature(SECRET);
        long expected = 1;
        for (WebhookReceiver.Request r : receiver.requests()) {
            assertEquals("/hooks", r.path());
            assertEquals("application/json", r.contentType());
            assertEquals("participant_joined", r.eventHeader());
            assertTrue(verifier.verify(r.signature(), r.body(), Instant.now(), Duration.ofMinutes(5)),
                    r.signature());
            assertEquals(expected, r.json().get("sequence").asLong(), "in the order posted");
            assertEquals("event-" + expected, r.json().get("id").asText());
            assertEquals("p" + expected, r.json().get("participant").get("id").asText());
            assertTrue(r.json().get("participant").get("identity") == null, "no identity in an open room");
            assertTrue(r.json().get("track") == null && r.json().get("reason") == null, "absent fields left out");
            expected++;
        }
        // The receiver holds a request before its answer reaches the sender, which counts it only then.
        Poll.until(WAIT, () -> sender.sent() == 20 && sender.pending() == 0, () -> "sent " + sender.sent());
        assertEquals(0, sender.retried() + sender.failed() + sender.dropped());
    }

    @Test
    void aReceiverThatFailsTwiceGetsTheEventOnTheThirdAttemptAfterDoublingWaitsAndTheNextAfterIt() throws Exception {
        WebhookReceiver receiver = receiver(n -> n < 2 ? 503 : 204);
        WebhookSender sender = sender(new WebhookSettings.Delivery(5, FIRST_RETRY, 100, Duration.ofMinutes(1)),
                receiver.url("flaky"));
        sender.post(event(1));
        sender.post(event(2));
        Poll.until(WAIT, () -> receiver.delivered().size() == 2, () -> "requests: " + receiver.requests());

        List<WebhookReceiver.Request> all = receiver.requests();
        assertEquals(4, all.size(), "event 1 three times, then event 2 once");
        for (int i = 0; i < 3; i++) {
            assertEquals(1, all.get(i).json().get("sequence").asLong(), "event 2 waits behind event 1's retries");
        }
        assertEquals(2, all.get(3).json().get("sequence").asLong());
        // The waits before the second and third attempts: at least 100 ms, then at least 200 ms (back-off doubles).
        long firstWait = all.get(1).arrivedNanos() - all.get(0).arrivedNanos();
        long secondWait = all.get(2).arrivedNanos() - all.get(1).arrivedNanos();
        assertTrue(firstWait >= FIRST_RETRY.toNanos(), "first wait " + firstWait);
        assertTrue(secondWait >= 2 * FIRST_RETRY.toNanos(), "second wait " + secondWait);
        // Each attempt is signed at its own time, and every one verifies.
        WebhookSignature verifier = new WebhookSignature(SECRET);
        all.forEach(r -> assertTrue(verifier.verify(r.signature(), r.body(), Instant.now(), Duration.ofMinutes(5))));
        Poll.until(WAIT, () -> sender.sent() == 2, () -> "sent " + sender.sent());
        assertEquals(2, sender.retried());
        assertEquals(0, sender.failed());
    }

    @Test
    void anEventIsGivenUpAfterItsLastAttemptAndTheNextOneStillGoes() throws Exception {
        WebhookReceiver receiver = receiver(n -> n < 3 ? 500 : 204);
        WebhookSender sender = sender(new WebhookSettings.Delivery(3, Duration.ofMillis(20), 100,
                Duration.ofMinutes(1)), receiver.url("broken"));
        sender.post(event(1));
        sender.post(event(2));
        Poll.until(WAIT, () -> receiver.delivered().size() == 1, () -> "requests: " + receiver.requests());
        assertEquals(4, receiver.requests().size(), "three attempts at event 1, one at event 2");
        assertEquals(2, receiver.delivered().get(0).json().get("sequence").asLong());
        Poll.until(WAIT, () -> sender.sent() == 1, () -> "sent " + sender.sent());
        assertEquals(1, sender.failed());
        assertEquals(2, sender.retried());
    }

    @Test
    void aReceiverThatNeverAnswersCostsABoundedQueueThatDropsTheOldest() throws Exception {
        WebhookReceiver receiver = receiver(n -> WebhookReceiver.HOLD);
        int capacity = 5;
        WebhookSender sender = sender(new WebhookSettings.Delivery(1, FIRST_RETRY, capacity, Duration.ofMinutes(5)),
                receiver.url("slow"));
        sender.post(event(1));
        // Event 1 is in flight (the receiver holds it); the others wait in the queue.
        Poll.until(WAIT, () -> receiver.requests().size() == 1);
        for (long i = 2; i <= 2 + capacity + 2; i++) {
            sender.post(event(i));
        }
        assertEquals(3, sender.dropped(), "8 events for 5 places: the 3 oldest waiting ones dropped");
        assertEquals(1 + capacity, sender.pending());

        receiver.answer(n -> 204);
        receiver.release();
        Poll.until(WAIT, () -> receiver.requests().size() == 1 + capacity, () -> "requests: " + receiver.requests());
        List<Long> sequences = receiver.requests().stream().map(r -> r.json().get("sequence").asLong()).toList();
        assertEquals(List.of(1L, 5L, 6L, 7L, 8L, 9L), sequences, "2, 3 and 4 dropped: a gap the receiver can see");
        Poll.until(WAIT, () -> sender.sent() == 1 + capacity);
    }

    @Test
    void everyUrlGetsEveryEventAndADeadOneDoesNotHoldUpTheOthers() throws Exception {
        WebhookReceiver good = receiver(n -> 204);
        WebhookReceiver hanging = receiver(n -> WebhookReceiver.HOLD);
        WebhookSender sender = sender(new WebhookSettings.Delivery(1, FIRST_RETRY, 100, Duration.ofMinutes(5)),
                hanging.url("a"), good.url("b"));
        for (long i = 1; i <= 5; i++) {
            sender.post(event(i));
        }
        Poll.until(WAIT, () -> good.delivered().size() == 5, () -> "good got " + good.requests());
        assertEquals(1, hanging.requests().size(), "one at a time to the hanging receiver");
        hanging.release();
        hanging.answer(n -> 204);
        Poll.until(WAIT, () -> hanging.requests().size() == 5, () -> "hanging got " + hanging.requests());
    }

    @Test
    void theDeliveryCountersAreInTheRegistryUnderTheWebhookStage() throws Exception {
        WebhookReceiver receiver = receiver(n -> n == 0 ? 500 : 204);
        WebhookSender sender = sender(new WebhookSettings.Delivery(2, Duration.ofMillis(10), 100,
                Duration.ofMinutes(1)), receiver.url("x"));
        CounterRegistry registry = new CounterRegistry();
        sender.countIn(registry);
        sender.post(event(1));
        Poll.until(WAIT, () -> sender.sent() == 1);
        Map<String, Long> byName = new java.util.HashMap<>();
        for (CounterRegistry.Sample s : registry.totals()) {
            assertEquals("webhook", s.labels().get("stage"));
            byName.put(s.reportedName(), s.value());
        }
        assertEquals(Map.of("webhook_sent", 1L, "webhook_retried", 1L, "webhook_failed", 0L,
                "webhook_dropped_queue_full", 0L), byName);
    }
}
