package org.sfu.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import java.util.concurrent.TimeUnit;

/**
 * HTTPS requests to a test server on loopback, which has a self-signed certificate, and the Vert.x they run on (for
 * {@link TestSignalingClient}s beside them). Closing closes both.
 */
final class TestHttps implements AutoCloseable {
    /** A response, read whole. */
    record Response(int status, String contentType, String body) {
        JsonNode json() throws Exception {
            return TestSignalingClient.parse(body);
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpClientAgent http = vertx.createHttpClient(
            new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));

    Vertx vertx() {
        return vertx;
    }

    Response get(int port, String path) throws Exception {
        return send(HttpMethod.GET, port, path, null);
    }

    /**
     * @param authorization the Authorization header, or null for none
     */
    Response send(HttpMethod method, int port, String path, String authorization) throws Exception {
        // The body is asked for inside the request's own callback, on the connection's event loop, as soon as the
        // headers are in. Chained on the outer future instead, that step ran on the test thread's context, a hop
        // later, and a small body that came in the same read as the headers was already gone: a 200 with an empty
        // body (AdminApiTest failed so, now and then, in a full build).
        return http.request(method, port, "127.0.0.1", path)
                .compose(request -> {
                    if (authorization != null) {
                        request.putHeader("Authorization", authorization);
                    }
                    return request.send().compose((HttpClientResponse response) -> response.body()
                            .map((Buffer body) -> new Response(response.statusCode(),
                                    response.getHeader("Content-Type"), body.toString())));
                })
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        http.close();
        vertx.close();
    }
}
