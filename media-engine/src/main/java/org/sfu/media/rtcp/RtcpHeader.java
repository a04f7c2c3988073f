package org.sfu.media.rtcp;

/**
 * Zero-allocation accessors for the common RTCP header at {@code buf[off]} (RFC 3550 §6.4.1)
 * and the feedback header (RFC 4585 §6.1). The caller bounds-checks first, e.g. through
 * {@link RtcpCompoundCursor}, which only yields packets whose length fits.
 *
 * <pre>
 * |V=2|P|  RC/FMT |      PT       |             length            |
 * |                  SSRC of packet sender                        |
 * |                  SSRC of media source  (feedback only)        |
 * </pre>
 */
public final class RtcpHeader {
    public static final int SR = 200;
    public static final int RR = 201;
    public static final int SDES = 202;
    public static final int BYE = 203;
    public static final int APP = 204;
    /** RFC 4585 §6.1: transport-layer feedback (generic NACK is FMT 1, TWCC FMT 15). */
    public static final int RTPFB = 205;
    /** RFC 4585 §6.1: payload-specific feedback (PLI FMT 1, FIR FMT 4, REMB FMT 15). */
    public static final int PSFB = 206;
    public static final int XR = 207;

    public static final int HEADER_LENGTH = 4;
    public static final int FEEDBACK_HEADER_LENGTH = 12;

    private RtcpHeader() {
    }

    public static int version(byte[] buf, int off) {
        return (buf[off] & 0xFF) >>> 6;
    }

    public static boolean padding(byte[] buf, int off) {
        return (buf[off] & 0x20) != 0;
    }

    /** Reception report count, source count or feedback message type (FMT). */
    public static int countOrFmt(byte[] buf, int off) {
        return buf[off] & 0x1F;
    }

    public static int packetType(byte[] buf, int off) {
        return buf[off + 1] & 0xFF;
    }

    /** The length field: 32-bit words minus one. */
    public static int lengthWords(byte[] buf, int off) {
        return ((buf[off + 2] & 0xFF) << 8) | (buf[off + 3] & 0xFF);
    }

    /** Whole packet length in bytes, header included. */
    public static int lengthInBytes(byte[] buf, int off) {
        return (lengthWords(buf, off) + 1) * 4;
    }

    /** SSRC of the sender (SR, RR, feedback) or of the first chunk / source (SDES, BYE). */
    public static long senderSsrc(byte[] buf, int off) {
        return readU32(buf, off + 4);
    }

    /** Feedback messages: SSRC of the media source (RFC 4585 §6.1). */
    public static long mediaSsrc(byte[] buf, int off) {
        return readU32(buf, off + 8);
    }

    static long readU32(byte[] buf, int at) {
        return ((long) (buf[at] & 0xFF) << 24) | ((buf[at + 1] & 0xFF) << 16) | ((buf[at + 2] & 0xFF) << 8) | (buf[at + 3] & 0xFF);
    }

    static void writeU32(byte[] buf, int at, long v) {
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
    }

    static void writeHeader(byte[] buf, int countOrFmt, int packetType, int lengthInBytes) {
        buf[0] = (byte) (0x80 | countOrFmt);
        buf[1] = (byte) packetType;
        int words = lengthInBytes / 4 - 1;
        buf[2] = (byte) (words >>> 8);
        buf[3] = (byte) words;
    }
}
