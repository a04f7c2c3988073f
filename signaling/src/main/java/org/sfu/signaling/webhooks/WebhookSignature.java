package org.sfu.signaling.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code X-Sfu-Signature} header of a webhook: {@code t=<unix seconds>,v1=<hex>}, where the hex is
 * HMAC-SHA256 (RFC 2104) keyed by {@code SFU_WEBHOOK_SECRET} over the ASCII of {@code t}, a dot, and the exact body
 * bytes. The time is that of the attempt (a retry signs afresh), so a receiver refuses a request whose time is far
 * from its clock: a captured request replayed later fails, and the event id inside the body tells retries of one event
 * apart from new events. {@code v1} names the scheme, so a later one can be added beside it.
 */
public final class WebhookSignature {
    public static final String HEADER = "X-Sfu-Signature";
    private static final String ALGORITHM = "HmacSHA256";
    private static final HexFormat HEX = HexFormat.of();

    private final SecretKeySpec key;

    public WebhookSignature(String secret) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    /** The header value for {@code body} sent at {@code time}. */
    public String sign(Instant time, byte[] body) {
        long t = time.getEpochSecond();
        return "t=" + t + ",v1=" + HEX.formatHex(mac(t, body));
    }

    /**
     * What a receiver does: the header is well formed, its time within {@code tolerance} of {@code now}, and one of
     * its {@code v1} values the HMAC of this body (compared in constant time).
     */
    public boolean verify(String header, byte[] body, Instant now, Duration tolerance) {
        if (header == null) {
            return false;
        }
        Long t = null;
        java.util.List<byte[]> signatures = new java.util.ArrayList<>();
        for (String part : header.split(",")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                return false;
            }
            String name = part.substring(0, eq).trim();
            String value = part.substring(eq + 1).trim();
            try {
                if (name.equals("t")) {
                    t = Long.parseLong(value);
                } else if (name.equals("v1")) {
                    signatures.add(HEX.parseHex(value));
                }
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        if (t == null || signatures.isEmpty() || Math.abs(now.getEpochSecond() - t) > tolerance.toSeconds()) {
            return false;
        }
        byte[] expected = mac(t, body);
        boolean match = false;
        for (byte[] s : signatures) {
            match |= MessageDigest.isEqual(expected, s);
        }
        return match;
    }

    private byte[] mac(long t, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            // Every Java runtime has HmacSHA256 and takes any key length for it.
            throw new IllegalStateException(e);
        }
    }
}
