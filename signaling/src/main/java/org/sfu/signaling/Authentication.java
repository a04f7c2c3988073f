package org.sfu.signaling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import org.sfu.signaling.access.AccessTokenVerifier;

/**
 * How room access tokens are verified, if at all (docs/SECURITY.md, "Access tokens").
 *
 * @param secret    the HS256 secret shared with the application's backend (SFU_AUTH_SECRET, at least 32 bytes), or
 *                  null
 * @param publicKey the key that verifies RS256 or ES256 tokens signed by the backend's private key
 *                  (SFU_AUTH_PUBLIC_KEY: a PEM file), or null. With neither, rooms are open.
 */
public record Authentication(String secret, PublicKey publicKey) {

    public Authentication {
        if (secret != null && secret.isEmpty()) {
            secret = null;
        }
        if (secret != null && AccessTokenVerifier.secretBytes(secret).length < AccessTokenVerifier.MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("SFU_AUTH_SECRET must be at least "
                    + AccessTokenVerifier.MIN_SECRET_BYTES
                    + " bytes (RFC 7518 §3.2); `openssl rand -base64 32` makes one");
        }
    }

    /** Open rooms: no token needed. */
    public static Authentication none() {
        return new Authentication(null, null);
    }

    /** Tokens signed with this shared secret (HS256). */
    public static Authentication secret(String secret) {
        return new Authentication(secret, null);
    }

    /** Reads SFU_AUTH_PUBLIC_KEY's file now, so that a wrong path or key fails at start. */
    static PublicKey readPublicKey(String path) {
        if (path == null || path.isBlank()) {
            return null;
        }
        try {
            return AccessTokenVerifier.readPublicKey(Files.readString(Path.of(path.trim())));
        } catch (IOException e) {
            throw new IllegalArgumentException("SFU_AUTH_PUBLIC_KEY: cannot read " + path + ": " + e.getMessage());
        }
    }

    /** The verifier, or null when rooms are open. */
    AccessTokenVerifier verifier() {
        return secret == null && publicKey == null ? null
                : new AccessTokenVerifier(secret == null ? null : AccessTokenVerifier.secretBytes(secret), publicKey);
    }

    /** What is accepted, for the start-up log; never the secret. */
    String describe() {
        String keyAlgorithm = publicKey == null ? null : publicKey.getAlgorithm().equals("RSA") ? "RS256" : "ES256";
        return secret != null && keyAlgorithm != null ? "HS256 or " + keyAlgorithm
                : secret != null ? "HS256" : keyAlgorithm;
    }

    /** Never prints the secret, wherever a configuration is logged. */
    @Override
    public String toString() {
        return "Authentication[" + (secret == null && publicKey == null ? "open rooms" : describe()) + "]";
    }
}
