package org.sfu.srtp;

/**
 * The SRTP protection profiles this server negotiates in the DTLS {@code use_srtp} extension
 * (RFC 5764 §4.1.2, RFC 7714 §14.2), with the master key and salt lengths the DTLS exporter must produce.
 */
public enum SrtpProfile {
    /** RFC 5764 §4.1.2: AES-128 counter mode, HMAC-SHA1 with an 80-bit tag. */
    AES_CM_128_HMAC_SHA1_80(0x0001, 16, 14),
    /** RFC 7714 §14.2: AES-128 GCM, 16-byte tag, 12-byte salt. */
    AEAD_AES_128_GCM(0x0007, 16, 12);

    private final int id;
    private final int keyLength;
    private final int saltLength;

    SrtpProfile(int id, int keyLength, int saltLength) {
        this.id = id;
        this.keyLength = keyLength;
        this.saltLength = saltLength;
    }

    /** The two-byte SRTPProtectionProfile value carried in {@code use_srtp}. */
    public int id() {
        return id;
    }

    /** Master key length in bytes. */
    public int keyLength() {
        return keyLength;
    }

    /** Master salt length in bytes. */
    public int saltLength() {
        return saltLength;
    }

    /** @throws IllegalArgumentException if the profile is not one this server supports */
    public static SrtpProfile byId(int id) {
        for (SrtpProfile p : values()) {
            if (p.id == id) {
                return p;
            }
        }
        throw new IllegalArgumentException("unsupported SRTP protection profile 0x" + Integer.toHexString(id));
    }
}
