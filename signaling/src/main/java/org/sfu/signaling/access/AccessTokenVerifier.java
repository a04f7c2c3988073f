package org.sfu.signaling.access;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks room access tokens: JWTs (RFC 7519) signed by the application's backend, either with a secret the server
 * shares (HS256) or with a private key whose public half the server holds (RS256 for RSA, ES256 for EC P-256). Only
 * those algorithms are accepted, each only with its own kind of key: a token cannot pick "none", nor pass off the
 * public key as an HMAC secret (RFC 8725 §2.1, §3.1). Required claims: {@code sub}, {@code room} and {@code exp}
 * (a token that never expires is a standing key to a room); {@code nbf} is honoured; both with 30 s of clock skew.
 * Thread-safe.
 */
public final class AccessTokenVerifier {
    /** A token is a URL parameter: anything near the limit of a request line is not one of ours. */
    static final int MAX_TOKEN_CHARS = 4096;
    /** Backends' and this server's clocks differ a little (RFC 7519 §4.1.4 allows "some small leeway"). */
    static final int CLOCK_SKEW_SECONDS = 30;
    /** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
    public static final int MIN_SECRET_BYTES = 32;

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    /**
     * @param secret    the HS256 secret (at least {@value #MIN_SECRET_BYTES} bytes), or null
     * @param publicKey the RS256 or ES256 (P-256) verification key, or null; at least one of the two is given
     */
    public AccessTokenVerifier(byte[] secret, PublicKey publicKey) {
        if (secret == null && publicKey == null) {
            throw new IllegalArgumentException("a token verifier needs a secret or a public key");
        }
        if (secret != null && secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("SFU_AUTH_SECRET must be at least " + MIN_SECRET_BYTES
                    + " bytes (RFC 7518 §3.2), not " + secret.length);
        }
        Key hmacKey = secret == null ? null : new SecretKeySpec(secret.clone(), "HmacSHA256");
        JWSAlgorithm keyAlgorithm = publicKey == null ? null : algorithmOf(publicKey);
        processor.setJWSKeySelector((header, context) -> {
            JWSAlgorithm alg = header.getAlgorithm();
            if (JWSAlgorithm.HS256.equals(alg) && hmacKey != null) {
                return List.of(hmacKey);
            }
            if (alg != null && alg.equals(keyAlgorithm)) {
                return List.of(publicKey);
            }
            return List.of();
        });
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(null,
                Set.of("sub", "room", "exp"));
        claims.setMaxClockSkew(CLOCK_SKEW_SECONDS);
        processor.setJWTClaimsSetVerifier(claims);
    }

    /** Reads a public key in PEM ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo): RSA or EC P-256. */
    public static PublicKey readPublicKey(String pem) {
        String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("SFU_AUTH_PUBLIC_KEY is not a PEM public key");
        }
        for (String kind : List.of("RSA", "EC")) {
            try {
                PublicKey key = KeyFactory.getInstance(kind).generatePublic(new X509EncodedKeySpec(der));
                algorithmOf(key);
                return key;
            } catch (java.security.GeneralSecurityException e) {
                // Try the other kind.
            }
        }
        throw new IllegalArgumentException("SFU_AUTH_PUBLIC_KEY must be an RSA or an EC P-256 public key in PEM");
    }

    private static JWSAlgorithm algorithmOf(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            if (rsa.getModulus().bitLength() < 2048) {
                // RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used."
                throw new IllegalArgumentException("SFU_AUTH_PUBLIC_KEY: an RSA key must have at least 2048 bits");
            }
            return JWSAlgorithm.RS256;
        }
        if (key instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() == 256
                && isP256(ec.getParams())) {
            return JWSAlgorithm.ES256;
        }
        throw new IllegalArgumentException("SFU_AUTH_PUBLIC_KEY must be an RSA or an EC P-256 public key");
    }

    private static boolean isP256(ECParameterSpec params) {
        // P-256's order (FIPS 186-4 D.1.2.3): the one 256-bit curve ES256 is defined on (RFC 7518 §3.4).
        return params.getOrder().equals(new java.math.BigInteger(
                "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16));
    }

    /**
     * Checks a token's signature and claims now.
     *
     * @throws InvalidAccessTokenException with a reason that names what is wrong and never repeats the token
     */
    public AccessToken verify(String token) throws InvalidAccessTokenException {
        if (token == null || token.isEmpty()) {
            throw new InvalidAccessTokenException("no access token (?token=)");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new InvalidAccessTokenException("the access token is longer than " + MAX_TOKEN_CHARS + " characters");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new InvalidAccessTokenException("the access token is not a signed JWT");
        } catch (BadJWTException e) {
            // The claims: expired, not yet valid, a required one missing.
            throw new InvalidAccessTokenException("access token rejected: " + e.getMessage());
        } catch (BadJOSEException e) {
            throw new InvalidAccessTokenException("access token rejected: " + e.getMessage());
        } catch (JOSEException | RuntimeException e) {
            throw new InvalidAccessTokenException("the access token cannot be verified");
        }
        try {
            return new AccessToken(nonEmpty(claims.getSubject(), "sub"),
                    nonEmpty(claims.getStringClaim("room"), "room"), grant(claims, "publish"),
                    grant(claims, "subscribe"), claims.getExpirationTime().toInstant());
        } catch (ParseException e) {
            throw new InvalidAccessTokenException("the access token's room claim is not a string");
        }
    }

    private static String nonEmpty(String value, String claim) throws InvalidAccessTokenException {
        if (value == null || value.isBlank()) {
            throw new InvalidAccessTokenException("the access token's " + claim + " claim is empty");
        }
        return value;
    }

    private static boolean grant(JWTClaimsSet claims, String name) throws InvalidAccessTokenException {
        Object value = claims.getClaim(name);
        if (value == null) {
            return true;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        throw new InvalidAccessTokenException("the access token's " + name + " claim is not true or false");
    }

    /** The secret as configured: its UTF-8 bytes. */
    public static byte[] secretBytes(String secret) {
        return secret.getBytes(StandardCharsets.UTF_8);
    }
}
