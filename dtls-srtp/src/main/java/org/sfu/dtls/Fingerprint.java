package org.sfu.dtls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An {@code a=fingerprint} value (RFC 8122 §5): a hash function name from the IANA "Hash Function Textual
 * Names" registry and the certificate's hash as colon-separated upper-case hex pairs. Canonical form: the
 * algorithm in lower case, the hex in upper case. Only the SHA family is accepted (RFC 8122 §5: MD2 and MD5
 * are not to be used).
 */
public record Fingerprint(String algorithm, String value) {
    /** Hash name → (JCA name, digest length in bytes). */
    private static final Map<String, Digest> DIGESTS = Map.of(
            "sha-1", new Digest("SHA-1", 20),
            "sha-224", new Digest("SHA-224", 28),
            "sha-256", new Digest("SHA-256", 32),
            "sha-384", new Digest("SHA-384", 48),
            "sha-512", new Digest("SHA-512", 64));

    private record Digest(String jcaName, int length) {
    }

    /** Canonicalises the case and rejects an unknown algorithm or a value of the wrong form or length. */
    public Fingerprint {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(value, "value");
        algorithm = algorithm.toLowerCase(Locale.ROOT);
        value = value.toUpperCase(Locale.ROOT);
        Digest digest = DIGESTS.get(algorithm);
        if (digest == null) {
            throw new IllegalArgumentException("unsupported fingerprint hash function: " + algorithm);
        }
        if (!isColonHex(value, digest.length)) {
            throw new IllegalArgumentException("malformed " + algorithm + " fingerprint: " + value);
        }
    }

    /** Parses {@code "sha-256 AB:CD:..."} (any case, surrounding whitespace allowed). */
    public static Fingerprint parse(String attributeValue) {
        if (attributeValue == null) {
            throw new IllegalArgumentException("fingerprint is null");
        }
        String[] parts = attributeValue.strip().split("[ \t]+");
        if (parts.length != 2) {
            throw new IllegalArgumentException("fingerprint must be '<hash-func> <hex>': " + attributeValue);
        }
        return new Fingerprint(parts[0], parts[1]);
    }

    /** The fingerprint of a DER certificate with the named hash function ({@code sha-1} … {@code sha-512}). */
    public static Fingerprint of(String algorithm, byte[] derCertificate) {
        String name = Objects.requireNonNull(algorithm, "algorithm").toLowerCase(Locale.ROOT);
        Digest digest = DIGESTS.get(name);
        if (digest == null) {
            throw new IllegalArgumentException("unsupported fingerprint hash function: " + algorithm);
        }
        byte[] hash = hash(digest, derCertificate);
        return new Fingerprint(name, HexFormat.ofDelimiter(":").withUpperCase().formatHex(hash));
    }

    /** Whether {@code derCertificate} hashes to this fingerprint (RFC 8122 §5, RFC 8827 §6.5). */
    public boolean matches(byte[] derCertificate) {
        if (derCertificate == null) {
            return false;
        }
        byte[] expected = HexFormat.ofDelimiter(":").parseHex(value);
        return MessageDigest.isEqual(expected, hash(DIGESTS.get(algorithm), derCertificate));
    }

    /** The attribute value as it goes after {@code a=fingerprint:}. */
    public String toSdpValue() {
        return algorithm + " " + value;
    }

    @Override
    public String toString() {
        return toSdpValue();
    }

    private static byte[] hash(Digest digest, byte[] data) {
        try {
            return MessageDigest.getInstance(digest.jcaName).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK lacks " + digest.jcaName, e);
        }
    }

    private static boolean isColonHex(String s, int bytes) {
        if (s.length() != bytes * 3 - 1) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (i % 3 == 2) ? c == ':' : (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
