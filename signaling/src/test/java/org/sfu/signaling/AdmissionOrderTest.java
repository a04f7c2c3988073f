package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * client_id, ice_servers, session and room come before anything the media engine says (docs/PROTOCOL.md): a client
 * that makes its peer connection when ice_servers arrives must have it before the server's first offer. A server that
 * offers at once (no first-offer delay) makes the offer during the join itself, the case a loaded machine also
 * produces when the join takes longer than the delay.
 */
class AdmissionOrderTest {

    @Test
    void theServersFirstOfferComesAfterTheAdmissionMessages() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (SfuServer server = SfuServer.start(LoopbackServer.config(0, 262_144,
                ServerConfig.DEFAULT_MAX_ROOM_PARTICIPANTS));
             TestSignalingClient client = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=order")) {
            List<String> types = new ArrayList<>();
            while (!types.contains("offer")) {
                JsonNode message = client.next(Duration.ofSeconds(10));
                assertNotNull(message, "no offer; got " + types);
                types.add(message.path("type").asText());
            }
            assertEquals(List.of("client_id", "ice_servers", "session", "room", "offer"), types);
        } finally {
            vertx.close();
        }
    }
}
