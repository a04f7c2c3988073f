package org.sfu.loadgen.janus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session of Janus's HTTP API (the "Janus API" over plain HTTP, as janus.js speaks it): {@code POST /janus}
 * creates the session, {@code POST /janus/<session>} attaches plugin handles and sends keep-alives,
 * {@code POST /janus/<session>/<handle>} sends plugin messages, and a long poll {@code GET /janus/<session>?maxev=N}
 * brings the asynchronous events (plugin events with their JSEP, webrtcup, media, hangup).
 *
 * <p>Synchronous plugin requests (VideoRoom "create") answer with "success" in the POST's own response; asynchronous
 * ones ("joinandconfigure", "join", "start") answer "ack" and the result comes as an event to the handle's listener.
 *
 * <p>Threads: the HTTP client's executor delivers events, one long poll at a time, so a handle's events arrive in
 * order. {@link #keepAliveEvery} sends a keep-alive on the shared scheduler: Janus ends a silent session after its
 * session_timeout (60 s by default).
 */
final class JanusSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JanusSession.class);
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    /** Janus holds a long poll for up to 30 s when there is nothing to send. */
    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(40);

    /** Janus API errors and failed HTTP exchanges. */
    static final class JanusException extends IOException {
        JanusException(String message) {
            super(message);
        }
    }

    private final HttpClient http;
    private final URI base;
    private final long sessionId;
    private final Map<Long, Consumer<JsonNode>> handles = new ConcurrentHashMap<>();
    private final AtomicLong transactions = new AtomicLong();
    private final Consumer<String> onFailure;
    private volatile boolean closed;
    private volatile ScheduledFuture<?> keepAlive;

    private JanusSession(HttpClient http, URI base, long sessionId, Consumer<String> onFailure) {
        this.http = http;
        this.base = base;
        this.sessionId = sessionId;
        this.onFailure = onFailure;
    }

    /** Creates a session on the Janus at {@code base} (e.g. http://127.0.0.1:18088/janus) and starts its long poll. */
    static JanusSession create(HttpClient http, URI base, Consumer<String> onFailure) throws IOException,
            InterruptedException {
        ObjectNode create = JSON.createObjectNode().put("janus", "create").put("transaction", "create");
        JsonNode reply = post(http, base, create);
        JanusSession session = new JanusSession(http, base, reply.path("data").path("id").asLong(), onFailure);
        session.poll();
        return session;
    }

    long id() {
        return sessionId;
    }

    /** Attaches a handle of {@code plugin}; its asynchronous events go to {@code listener}. Blocks for the reply. */
    long attach(String plugin, Consumer<JsonNode> listener) throws IOException, InterruptedException {
        JsonNode reply = post(http, sessionUri(), request("attach").put("plugin", plugin));
        long handle = reply.path("data").path("id").asLong();
        handles.put(handle, listener);
        return handle;
    }

    /** Attaches without blocking the caller (event threads must not block on the HTTP client they run on). */
    CompletableFuture<Long> attachAsync(String plugin, Consumer<JsonNode> listener) {
        return postAsync(sessionUri(), request("attach").put("plugin", plugin)).thenApply(reply -> {
            long handle = reply.path("data").path("id").asLong();
            handles.put(handle, listener);
            return handle;
        });
    }

    /**
     * A synchronous plugin request: returns the plugin's data ({@code plugindata.data}), which may itself carry an
     * error_code (e.g. VideoRoom 427, the room exists already).
     */
    JsonNode request(long handle, JsonNode body) throws IOException, InterruptedException {
        ObjectNode message = request("message");
        message.set("body", body);
        return post(http, handleUri(handle), message).path("plugindata").path("data");
    }

    /** An asynchronous plugin message, with a JSEP when not null; its result arrives as an event. */
    CompletableFuture<JsonNode> message(long handle, JsonNode body, JsonNode jsep) {
        ObjectNode message = request("message");
        message.set("body", body);
        if (jsep != null) {
            message.set("jsep", jsep);
        }
        return postAsync(handleUri(handle), message);
    }

    /** Sends {"janus": "keepalive"} every {@code period} on {@code scheduler}, until close. */
    void keepAliveEvery(Duration period, ScheduledExecutorService scheduler) {
        keepAlive = scheduler.scheduleAtFixedRate(() -> {
            if (!closed) {
                postAsync(sessionUri(), request("keepalive")).exceptionally(e -> {
                    LOG.debug("Janus keep-alive of session {} failed: {}", sessionId, e.toString());
                    return null;
                });
            }
        }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The long poll: one GET at a time, re-issued when it returns, until close. */
    private void poll() {
        if (closed) {
            return;
        }
        HttpRequest get = HttpRequest.newBuilder(URI.create(sessionUri() + "?maxev=10")).timeout(POLL_TIMEOUT).GET()
                .build();
        http.sendAsync(get, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
            if (closed) {
                return;
            }
            if (error != null || response.statusCode() != 200) {
                onFailure.accept("Janus long poll of session " + sessionId + " failed: "
                        + (error != null ? error : "HTTP " + response.statusCode()));
                return;
            }
            try {
                JsonNode events = JSON.readTree(response.body());
                // maxev > 1 makes Janus answer with an array, even of one event.
                if (events.isArray()) {
                    for (JsonNode event : events) {
                        dispatch(event);
                    }
                } else {
                    dispatch(events);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("Janus session {}: cannot handle events: {}", sessionId, e.toString());
            }
            poll();
        });
    }

    private void dispatch(JsonNode event) {
        String kind = event.path("janus").asText();
        if (kind.equals("keepalive")) {
            return;
        }
        Consumer<JsonNode> listener = handles.get(event.path("sender").asLong());
        if (listener != null) {
            listener.accept(event);
        } else {
            LOG.debug("Janus session {}: event for no known handle: {}", sessionId, event);
        }
    }

    private ObjectNode request(String janus) {
        return JSON.createObjectNode().put("janus", janus).put("transaction", "t" + transactions.incrementAndGet());
    }

    private String sessionUri() {
        return base + "/" + sessionId;
    }

    private URI handleUri(long handle) {
        return URI.create(sessionUri() + "/" + handle);
    }

    private CompletableFuture<JsonNode> postAsync(Object uri, JsonNode body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(uri.toString())).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            try {
                return checked(response, body);
            } catch (JanusException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    private static JsonNode post(HttpClient http, Object uri, JsonNode body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(uri.toString())).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return checked(http.send(request, HttpResponse.BodyHandlers.ofString()), body);
    }

    /** Janus answers HTTP 200 even to failed requests: the error is {"janus": "error", "error": {code, reason}}. */
    private static JsonNode checked(HttpResponse<String> response, JsonNode request) throws JanusException {
        JsonNode reply;
        try {
            reply = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new JanusException("unparseable reply to " + request.path("janus").asText() + ": " + response.body());
        }
        if (response.statusCode() != 200 || reply.path("janus").asText().equals("error")) {
            throw new JanusException("Janus refused " + request.path("janus").asText() + ": HTTP "
                    + response.statusCode() + " " + reply.path("error"));
        }
        return reply;
    }

    /** Destroys the session (Janus then hangs up and detaches its handles); idempotent, never throws. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        // First, so the long poll that the destroy ends is not reported as a failure.
        closed = true;
        ScheduledFuture<?> k = keepAlive;
        if (k != null) {
            k.cancel(false);
        }
        try {
            post(http, sessionUri(), request("destroy"));
        } catch (IOException e) {
            LOG.debug("Janus session {}: destroy failed: {}", sessionId, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
