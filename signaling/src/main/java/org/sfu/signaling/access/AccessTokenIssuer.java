package org.sfu.signaling.access;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * Mints HS256 room access tokens, as an application's backend does (docs/SECURITY.md shows the same in a few lines
 * of other languages): for the server's {@code token} command, for development, and for tests.
 */
public final class AccessTokenIssuer {
    private final MACSigner signer;

    public AccessTokenIssuer(byte[] secret) {
        if (secret.length < AccessTokenVerifier.MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the secret must be at least " + AccessTokenVerifier.MIN_SECRET_BYTES
                    + " bytes (RFC 7518 §3.2)");
        }
        try {
            this.signer = new MACSigner(secret);
        } catch (JOSEException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** A token for {@code identity} in {@code room}, valid from now for {@code ttl}. */
    public String issue(String identity, String room, boolean publish, boolean subscribe, Duration ttl) {
        Instant now = Instant.now();
        return issue(new JWTClaimsSet.Builder().subject(identity).claim("room", room)
                .claim("publish", publish).claim("subscribe", subscribe)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(ttl))).build());
    }

    /** Signs any claims: tests use it for tokens the server must refuse. */
    public String issue(JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(),
                claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }
}
