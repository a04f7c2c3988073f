package org.sfu.signaling.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;

/**
 * A webhook receiver for tests: a plain HTTP server on 127.0.0.1 that records every request and answers each with
 * the status its policy gives for the request's number (from 0); {@link #HOLD} leaves a request unanswered until
 * {@link #release()}.
 */
public final class WebhookReceiver implements AutoCloseable {
    /** The policy's answer for a request to leave unanswered for now. */
    public static final int HOLD = 0;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as it arrived. */
    public record Request(String path, String signature, String eventHeader, String contentType, byte[] body,
                          long arrivedNanos, int status) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<HttpServerRequest> held = new ArrayList<>();
    private volatile IntUnaryOperator policy;

    /** Answers every request with 204. */
    public WebhookReceiver() throws Exception {
        this(n -> 204);
    }

    public WebhookReceiver(IntUnaryOperator policy) throws Exception {
        this.policy = policy;
        this.server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            int status;
            synchronized (requests) {
                status = this.policy.applyAsInt(requests.size());
                requests.add(new Request(request.path(), request.getHeader(WebhookSignature.HEADER),
                        request.getHeader("X-Sfu-Event"), request.getHeader("Content-Type"), body.getBytes(),
                        System.nanoTime(), status));
            }
            if (status == HOLD) {
                synchronized (held) {
                    held.add(request);
                }
            } else {
                request.response().setStatusCode(status).end();
            }
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** The URL to configure: {@code http://127.0.0.1:<port>/<path>}. */
    public String url(String path) {
        return "http://127.0.0.1:" + server.actualPort() + "/" + path;
    }

    public URI uri(String path) {
        return URI.create(url(path));
    }

    /** Every request so far, retries included, in arrival order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The requests answered with a 2xx status: the deliveries. */
    public List<Request> delivered() {
        return requests.stream().filter(r -> r.status() / 100 == 2).toList();
    }

    /** From now on, answer with {@code next}. */
    public void answer(IntUnaryOperator next) {
        policy = next;
    }

    /** Answers the requests held so far with 204. */
    public void release() {
        List<HttpServerRequest> now;
        synchronized (held) {
            now = List.copyOf(held);
            held.clear();
        }
        now.forEach(r -> r.response().setStatusCode(204).end());
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // The next test gets a new receiver on a new port.
        }
    }
}
