package org.sfu.media.rtcp;

import java.util.List;

/**
 * Receiver Estimated Maximum Bitrate: PSFB FMT 15 with the unique identifier "REMB"
 * (draft-alvestrand-rmcat-remb-03 §2.2).
 *
 * <pre>
 * |V=2|P| FMT=15  |   PT=206      |             length            |
 * |                  SSRC of packet sender                        |
 * |                  SSRC of media source (always 0)              |
 * |  Unique identifier 'R' 'E' 'M' 'B'                            |
 * |  Num SSRC     | BR Exp    |  BR Mantissa                      |
 * |   SSRC feedback                                               |  x Num SSRC
 * </pre>
 *
 * @param senderSsrc SSRC of the packet sender
 * @param bitrateBps estimated maximum bitrate in bits per second, mantissa × 2^exp
 * @param ssrcs the media streams the estimate applies to (at most 255)
 */
public record Remb(long senderSsrc, long bitrateBps, List<Long> ssrcs) {
    public static final int FMT = 15;
    /** §2.2: ASCII "REMB". */
    public static final int UNIQUE_IDENTIFIER = 0x52454D42;
    /** §2.2: 8-bit Num SSRC. */
    public static final int MAX_SSRCS = 255;

    private static final int FIXED_LENGTH = 20;
    private static final long MAX_MANTISSA = 0x3FFFF;

    public Remb {
        ssrcs = List.copyOf(ssrcs);
    }

    /**
     * Builds a REMB. The bitrate is rounded down to what an 18-bit mantissa with the smallest
     * sufficient 6-bit exponent can carry (§2.2), so the sender never exceeds the estimate.
     */
    public static byte[] build(long senderSsrc, long bitrateBps, long... ssrcs) {
        if (bitrateBps < 0) {
            throw new IllegalArgumentException("negative bitrate: " + bitrateBps);
        }
        if (ssrcs.length > MAX_SSRCS) {
            throw new IllegalArgumentException("too many SSRCs for REMB: " + ssrcs.length);
        }
        int exp = 0;
        while ((bitrateBps >>> exp) > MAX_MANTISSA) {
            exp++;
        }
        long mantissa = bitrateBps >>> exp;
        byte[] p = new byte[FIXED_LENGTH + 4 * ssrcs.length];
        RtcpHeader.writeHeader(p, FMT, RtcpHeader.PSFB, p.length);
        RtcpHeader.writeU32(p, 4, TransportCcFeedback.checkSsrc(senderSsrc));
        // §2.2: the media source SSRC is unused and set to 0; the targets follow the bitrate.
        RtcpHeader.writeU32(p, 12, UNIQUE_IDENTIFIER);
        p[16] = (byte) ssrcs.length;
        p[17] = (byte) ((exp << 2) | (mantissa >>> 16));
        p[18] = (byte) (mantissa >>> 8);
        p[19] = (byte) mantissa;
        for (int i = 0; i < ssrcs.length; i++) {
            RtcpHeader.writeU32(p, FIXED_LENGTH + 4 * i, TransportCcFeedback.checkSsrc(ssrcs[i]));
        }
        return p;
    }

    public byte[] marshal() {
        return build(senderSsrc, bitrateBps, ssrcs.stream().mapToLong(Long::longValue).toArray());
    }

    /** PSFB FMT 15 carrying the "REMB" identifier (FMT 15 is shared by application layer feedback, RFC 4585 §6.4). */
    public static boolean isRemb(byte[] buf, int off, int len) {
        return buf != null && off >= 0 && len >= FIXED_LENGTH && off + len <= buf.length
                && RtcpHeader.packetType(buf, off) == RtcpHeader.PSFB && RtcpHeader.countOrFmt(buf, off) == FMT
                && RtcpHeader.readU32(buf, off + 12) == UNIQUE_IDENTIFIER;
    }

    /** Zero-allocation read of the bitrate of a packet that passed {@link #isRemb}; saturates at Long.MAX_VALUE. */
    public static long bitrate(byte[] buf, int off) {
        int exp = (buf[off + 17] & 0xFF) >>> 2;
        long mantissa = ((buf[off + 17] & 0x03L) << 16) | ((buf[off + 18] & 0xFF) << 8) | (buf[off + 19] & 0xFF);
        if (mantissa != 0 && exp > Long.numberOfLeadingZeros(mantissa) - 1) {
            return Long.MAX_VALUE;
        }
        return mantissa << exp;
    }

    /** Parses a REMB in {@code buf[off .. off+len)}; null when it is not one or the SSRC list overruns the packet. */
    public static Remb parse(byte[] buf, int off, int len) {
        if (!isRemb(buf, off, len) || RtcpHeader.version(buf, off) != 2) {
            return null;
        }
        int length = RtcpHeader.lengthInBytes(buf, off);
        if (length > len) {
            return null;
        }
        int pad = RtcpHeader.padding(buf, off) ? buf[off + length - 1] & 0xFF : 0;
        int count = buf[off + 16] & 0xFF;
        if (FIXED_LENGTH + 4 * count > length - pad) {
            return null;
        }
        Long[] ssrcs = new Long[count];
        for (int i = 0; i < count; i++) {
            ssrcs[i] = RtcpHeader.readU32(buf, off + FIXED_LENGTH + 4 * i);
        }
        return new Remb(RtcpHeader.senderSsrc(buf, off), bitrate(buf, off), List.of(ssrcs));
    }
}
