package org.sfu.signaling.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.junit.jupiter.api.Test;

/** Room access tokens: what admits, and each way a token must not (RFC 7519, RFC 8725). */
class AccessTokenVerifierTest {
    private static final byte[] SECRET = "a-secret-of-at-least-thirty-two-bytes!".getBytes(StandardCharsets.UTF_8);
    private final AccessTokenVerifier verifier = new AccessTokenVerifier(SECRET, null);
    private final AccessTokenIssuer issuer = new AccessTokenIssuer(SECRET);

    private static JWTClaimsSet.Builder valid() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().subject("alice").claim("room", "standup")
                .expirationTime(Date.from(now.plusSeconds(600)));
    }

    @Test
    void aValidTokenNamesItsBearerItsRoomAndItsGrants() throws Exception {
        AccessToken token = verifier.verify(issuer.issue("alice", "standup", true, false, Duration.ofMinutes(5)));
        assertEquals("alice", token.identity());
        assertEquals("standup", token.room());
        assertTrue(token.publish());
        assertFalse(token.subscribe());

        AccessToken defaults = verifier.verify(issuer.issue(valid().build()));
        assertTrue(defaults.publish() && defaults.subscribe(), "grants left out are granted");
    }

    @Test
    void forgedExpiredEarlyAndIncompleteTokensAdmitNobody() throws Exception {
        String forged = new AccessTokenIssuer("another-secret-of-at-least-thirty-two-bytes".getBytes(
                StandardCharsets.UTF_8)).issue(valid().build());
        assertRefused(forged, "signature");

        String[] parts = issuer.issue(valid().build()).split("\\.");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                valid().claim("room", "board-meeting").build().toString().getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        assertRefused(tampered, "signature");

        Instant past = Instant.now().minusSeconds(AccessTokenVerifier.CLOCK_SKEW_SECONDS + 60);
        assertRefused(issuer.issue(valid().expirationTime(Date.from(past)).build()), "xpired");
        assertRefused(issuer.issue(valid().notBeforeTime(Date.from(Instant.now().plusSeconds(600))).build()),
                "before");
        assertRefused(issuer.issue(valid().expirationTime(null).build()), "exp");
        assertRefused(issuer.issue(valid().subject(null).build()), "sub");
        assertRefused(issuer.issue(valid().claim("room", null).build()), "room");
        assertRefused(issuer.issue(valid().claim("room", 7).build()), "room");
        assertRefused(issuer.issue(valid().claim("publish", "yes").build()), "publish");
        assertRefused(null, "no access token");
        assertRefused("", "no access token");
        assertRefused("not.a.jwt", "not a signed JWT");
        assertRefused("x".repeat(AccessTokenVerifier.MAX_TOKEN_CHARS + 1), "longer");

        // A clock a little behind the backend's is not an error (RFC 7519 §4.1.4's leeway).
        Instant justPast = Instant.now().minusSeconds(AccessTokenVerifier.CLOCK_SKEW_SECONDS / 2);
        verifier.verify(issuer.issue(valid().expirationTime(Date.from(justPast)).build()));
    }

    @Test
    void aTokenCannotChooseItsOwnAlgorithm() throws Exception {
        // RFC 8725 §2.1: "none" is never accepted.
        assertRefused(new PlainJWT(valid().build()).serialize(), "");

        // A server holding an RSA public key: an HS256 token "signed" with that public key as the secret must fail
        // (the classic algorithm confusion), and so must HS256 with any secret, since none is configured.
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair pair = rsa.generateKeyPair();
        AccessTokenVerifier publicOnly = new AccessTokenVerifier(null, pair.getPublic());
        SignedJWT confused = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), valid().build());
        confused.sign(new MACSigner(pair.getPublic().getEncoded()));
        assertThrows(InvalidAccessTokenException.class, () -> publicOnly.verify(confused.serialize()));

        SignedJWT rs256 = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), valid().build());
        rs256.sign(new RSASSASigner(pair.getPrivate()));
        assertEquals("alice", publicOnly.verify(rs256.serialize()).identity(), "RS256 with the backend's key");
        assertThrows(InvalidAccessTokenException.class, () -> verifier.verify(rs256.serialize()),
                "a server with only a secret accepts no RS256");
    }

    @Test
    void es256TokensAreCheckedAgainstAPemPublicKey() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = ec.generateKeyPair();
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(pair.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        AccessTokenVerifier both = new AccessTokenVerifier(SECRET, AccessTokenVerifier.readPublicKey(pem));
        SignedJWT es256 = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), valid().build());
        es256.sign(new ECDSASigner((ECPrivateKey) pair.getPrivate()));
        assertEquals("standup", both.verify(es256.serialize()).room());
        assertEquals("standup", both.verify(issuer.issue(valid().build())).room(), "and HS256 beside it");

        KeyPair other = ec.generateKeyPair();
        SignedJWT wrongKey = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), valid().build());
        wrongKey.sign(new ECDSASigner((ECPrivateKey) other.getPrivate()));
        assertThrows(InvalidAccessTokenException.class, () -> both.verify(wrongKey.serialize()));
    }

    @Test
    void weakKeysAreRefusedAtStart() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> new AccessTokenVerifier(new byte[31], null),
                "RFC 7518 §3.2: 256 bits for HS256");
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getEncoder().encodeToString(rsa.generateKeyPair().getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----";
        assertThrows(IllegalArgumentException.class, () -> AccessTokenVerifier.readPublicKey(pem),
                "RFC 7518 §3.3: 2048 bits for RS256");
        assertThrows(IllegalArgumentException.class, () -> AccessTokenVerifier.readPublicKey("garbage"));
    }

    private void assertRefused(String token, String reasonPart) {
        InvalidAccessTokenException e = assertThrows(InvalidAccessTokenException.class, () -> verifier.verify(token));
        assertTrue(e.getMessage().contains(reasonPart), e.getMessage());
        if (token != null && token.length() > 20) {
            assertFalse(e.getMessage().contains(token), "the reason never repeats the token");
        }
    }
}
