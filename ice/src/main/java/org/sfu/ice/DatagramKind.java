package org.sfu.ice;

/**
 * What a datagram arriving on the shared port is, from its first byte alone (RFC 7983 §7, which updates
 * RFC 5764 §5.1.2). ice4j consumes STUN itself; the rest goes to DTLS or to SRTP/SRTCP.
 */
public enum DatagramKind {
    /** 0..3: STUN (RFC 5389 §6: the two most significant bits are zero). */
    STUN,
    /** 20..63: DTLS records. */
    DTLS,
    /** 128..191: RTP and RTCP (version 2). */
    RTP_RTCP,
    /** Anything else (ZRTP 16..19, TURN channels 64..79, and unassigned ranges): dropped. */
    UNKNOWN;

    public static DatagramKind of(byte firstByte) {
        int b = firstByte & 0xFF;
        if (b <= 3) {
            return STUN;
        }
        if (b >= 20 && b <= 63) {
            return DTLS;
        }
        if (b >= 128 && b <= 191) {
            return RTP_RTCP;
        }
        return UNKNOWN;
    }
}
