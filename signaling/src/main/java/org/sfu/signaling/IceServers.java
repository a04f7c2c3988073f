package org.sfu.signaling;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.sfu.signaling.message.SignalingMessage;

/**
 * The STUN and TURN servers an operator gives clients (SFU_ICE_SERVERS). The server itself needs none: it is a
 * public ICE peer. A client behind a network that blocks UDP to the server, or only allows TURN, needs them.
 *
 * <p>With a shared secret (SFU_TURN_SECRET) the TURN entries carry time-limited credentials of the TURN REST
 * convention (draft-uberti-behave-turn-rest-00 §2.2, what coturn's use-auth-secret checks): the username is
 * "expiry:client id" with expiry in Unix seconds, the password base64(HMAC-SHA1(secret, username)).
 *
 * @param urls       stun:, turn: and turns: URLs (RFC 7064, RFC 7065); empty means none
 * @param turnSecret the secret shared with the TURN server, or null for TURN entries without credentials
 * @param ttlSeconds how long a credential stays valid
 */
public record IceServers(List<String> urls, String turnSecret, long ttlSeconds) {

    public IceServers {
        urls = List.copyOf(urls);
        for (String url : urls) {
            if (!url.startsWith("stun:") && !url.startsWith("turn:") && !url.startsWith("turns:")) {
                throw new IllegalArgumentException("SFU_ICE_SERVERS must list stun:, turn: or turns: URLs, not '"
                        + url + "'");
            }
        }
        if (ttlSeconds <= 0) {
            throw new IllegalArgumentException("SFU_TURN_TTL must be positive");
        }
    }

    /** No servers: the default, since the server is reachable on its own candidates. */
    public static IceServers none() {
        return new IceServers(List.of(), null, 86_400);
    }

    /** The servers for one client, with its own TURN credentials, as RTCConfiguration.iceServers wants them. */
    List<SignalingMessage.IceServer> forClient(String clientId, Instant now) {
        List<SignalingMessage.IceServer> out = new ArrayList<>();
        List<String> stun = urls.stream().filter(u -> u.startsWith("stun:")).toList();
        List<String> turn = urls.stream().filter(u -> !u.startsWith("stun:")).toList();
        if (!stun.isEmpty()) {
            out.add(new SignalingMessage.IceServer(stun, null, null));
        }
        if (!turn.isEmpty()) {
            if (turnSecret == null) {
                out.add(new SignalingMessage.IceServer(turn, null, null));
            } else {
                String username = (now.getEpochSecond() + ttlSeconds) + ":" + clientId;
                out.add(new SignalingMessage.IceServer(turn, username, credential(turnSecret, username)));
            }
        }
        return out;
    }

    static String credential(String secret, String username) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA1 is part of every Java runtime", e);
        }
    }

    @Override
    public String toString() {
        // Never log the secret.
        return "IceServers" + urls + (turnSecret == null ? "" : " with TURN REST credentials, ttl " + ttlSeconds + " s");
    }
}
