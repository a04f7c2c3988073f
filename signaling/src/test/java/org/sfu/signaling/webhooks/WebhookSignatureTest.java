package org.sfu.signaling.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** X-Sfu-Signature: what the server sends and what a receiver that follows docs/ADMIN.md accepts. */
class WebhookSignatureTest {
    private static final String SECRET = "a-webhook-secret-of-32-characters!";
    private static final byte[] BODY = "{\"event\":\"room_started\",\"room\":\"standup\"}"
            .getBytes(StandardCharsets.UTF_8);
    private static final Instant SENT = Instant.ofEpochSecond(1_700_000_000L);
    private static final Duration TOLERANCE = Duration.ofMinutes(5);

    private final WebhookSignature signature = new WebhookSignature(SECRET);

    @Test
    void theHeaderIsTheTimeAndTheHmacSha256OfTimeDotBody() {
        // From another implementation: printf '%s' '1700000000.<body>' | openssl dgst -sha256 -hmac '<secret>'
        assertEquals("t=1700000000,v1=fd65b5649fac5b58373e5a0cb3e616abe47157bd7bb040143d57f8b79b981a8b",
                signature.sign(SENT, BODY));
    }

    @Test
    void aReceiverAcceptsWhatWasSignedWithinTheTolerance() {
        String header = signature.sign(SENT, BODY);
        assertTrue(signature.verify(header, BODY, SENT, TOLERANCE));
        assertTrue(signature.verify(header, BODY, SENT.plus(Duration.ofMinutes(4)), TOLERANCE));
        assertTrue(signature.verify(header, BODY, SENT.minus(Duration.ofMinutes(4)), TOLERANCE), "clocks differ");
    }

    @Test
    void aReplayedRequestIsRefusedOnceItsTimeIsOld() {
        String header = signature.sign(SENT, BODY);
        assertFalse(signature.verify(header, BODY, SENT.plus(Duration.ofMinutes(6)), TOLERANCE));
    }

    @Test
    void aChangedBodyOrTimeOrAnotherSecretIsRefused() {
        String header = signature.sign(SENT, BODY);
        byte[] changed = BODY.clone();
        changed[changed.length - 3] ^= 1;
        assertFalse(signature.verify(header, changed, SENT, TOLERANCE), "body changed");
        String otherTime = header.replace("t=1700000000", "t=1700000001");
        assertFalse(signature.verify(otherTime, BODY, SENT, TOLERANCE), "time changed, signature kept");
        WebhookSignature other = new WebhookSignature("another-secret-of-32-characters!!!");
        assertFalse(other.verify(header, BODY, SENT, TOLERANCE), "another secret");
    }

    @Test
    void malformedHeadersAreRefusedNotThrown() {
        for (String header : new String[] {null, "", "t=1700000000", "v1=00", "t=x,v1=00", "t=1700000000,v1=zz",
                "garbage", "t=1700000000,v1="}) {
            assertFalse(signature.verify(header, BODY, SENT, TOLERANCE), String.valueOf(header));
        }
    }

    @Test
    void aSecondSchemeBesideV1DoesNotStopAReceiverThatKnowsV1() {
        String header = signature.sign(SENT, BODY) + ",v2=abcdef";
        assertTrue(signature.verify(header, BODY, SENT, TOLERANCE));
    }
}
