package org.sfu.media.rtp;

/**
 * Zero-allocation accessors for an RTP packet held in {@code buf[off .. off+len)} (RFC 3550
 * §5.1). Nothing is copied: getters read and setters write the bytes in place.
 *
 * <p>Only {@link #isRtcp}, {@link #isValidRtp} and the length checks look at {@code len};
 * the other accessors assume the caller has checked {@code isValidRtp(buf, off, len)} first.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers             | x CC
 * |  defined by profile           |           length              | if X
 * </pre>
 */
public final class RtpPacket {
    /** RFC 3550 §5.1: the fixed header. */
    public static final int FIXED_HEADER_LENGTH = 12;

    private RtpPacket() {
    }

    /**
     * RFC 5761 §4: an RTP/RTCP packet whose second byte (payload type with the marker bit)
     * is 192..223 is RTCP (SR 200, RR 201, ..., PSFB 206, XR 207 all fall in that range).
     * Requires version 2 and at least the 4-byte RTCP header.
     */
    public static boolean isRtcp(byte[] buf, int off, int len) {
        if (len < 4 || off < 0 || off + len > buf.length) {
            return false;
        }
        int b1 = buf[off + 1] & 0xFF;
        return (buf[off] & 0xC0) == 0x80 && b1 >= 192 && b1 <= 223;
    }

    /**
     * Whether the bytes hold a structurally valid RTP packet: version 2, room for the fixed
     * header, CSRCs and the header extension (RFC 3550 §5.3.1), and a padding count that fits
     * in what is left (RFC 3550 §5.1). Does not reject RTCP payload types; demultiplex with
     * {@link #isRtcp} first.
     */
    public static boolean isValidRtp(byte[] buf, int off, int len) {
        if (buf == null || off < 0 || len < FIXED_HEADER_LENGTH || off + len > buf.length || off + len < 0) {
            return false;
        }
        if (version(buf, off) != 2) {
            return false;
        }
        int header = FIXED_HEADER_LENGTH + 4 * csrcCount(buf, off);
        if (extension(buf, off)) {
            if (header + 4 > len) {
                return false;
            }
            header += 4 + 4 * readU16(buf, off + header + 2);
        }
        if (header > len) {
            return false;
        }
        if (padding(buf, off)) {
            int pad = buf[off + len - 1] & 0xFF;
            // RFC 3550 §5.1: the last octet counts itself, so it is at least 1.
            return pad >= 1 && header + pad <= len;
        }
        return true;
    }

    public static int version(byte[] buf, int off) {
        return (buf[off] & 0xFF) >>> 6;
    }

    public static boolean padding(byte[] buf, int off) {
        return (buf[off] & 0x20) != 0;
    }

    public static boolean extension(byte[] buf, int off) {
        return (buf[off] & 0x10) != 0;
    }

    public static int csrcCount(byte[] buf, int off) {
        return buf[off] & 0x0F;
    }

    public static boolean marker(byte[] buf, int off) {
        return (buf[off + 1] & 0x80) != 0;
    }

    public static void setMarker(byte[] buf, int off, boolean marker) {
        buf[off + 1] = (byte) (marker ? buf[off + 1] | 0x80 : buf[off + 1] & 0x7F);
    }

    public static int payloadType(byte[] buf, int off) {
        return buf[off + 1] & 0x7F;
    }

    /** Rewrites the payload type, keeping the marker bit. */
    public static void setPayloadType(byte[] buf, int off, int payloadType) {
        if (payloadType < 0 || payloadType > 127) {
            throw new IllegalArgumentException("payload type out of range: " + payloadType);
        }
        buf[off + 1] = (byte) ((buf[off + 1] & 0x80) | payloadType);
    }

    public static int sequenceNumber(byte[] buf, int off) {
        return readU16(buf, off + 2);
    }

    public static void setSequenceNumber(byte[] buf, int off, int sequenceNumber) {
        buf[off + 2] = (byte) (sequenceNumber >>> 8);
        buf[off + 3] = (byte) sequenceNumber;
    }

    /** Unsigned 32-bit timestamp. */
    public static long timestamp(byte[] buf, int off) {
        return readU32(buf, off + 4);
    }

    public static void setTimestamp(byte[] buf, int off, long timestamp) {
        writeU32(buf, off + 4, timestamp);
    }

    /** Unsigned 32-bit SSRC. */
    public static long ssrc(byte[] buf, int off) {
        return readU32(buf, off + 8);
    }

    public static void setSsrc(byte[] buf, int off, long ssrc) {
        writeU32(buf, off + 8, ssrc);
    }

    /** The i-th CSRC (0-based, below {@link #csrcCount}). */
    public static long csrc(byte[] buf, int off, int index) {
        return readU32(buf, off + FIXED_HEADER_LENGTH + 4 * index);
    }

    /** Offset of the 4-byte extension header (profile, length), valid when {@link #extension} is set. */
    public static int extensionHeaderOffset(byte[] buf, int off) {
        return off + FIXED_HEADER_LENGTH + 4 * csrcCount(buf, off);
    }

    /** The "defined by profile" field: 0xBEDE one-byte, 0x100x two-byte (RFC 8285 §4). */
    public static int extensionProfile(byte[] buf, int off) {
        return readU16(buf, extensionHeaderOffset(buf, off));
    }

    /** Length in bytes of the extension data after its 4-byte header; 0 without extension. */
    public static int extensionDataLength(byte[] buf, int off) {
        return extension(buf, off) ? 4 * readU16(buf, extensionHeaderOffset(buf, off) + 2) : 0;
    }

    /** Offset of the extension data (after the profile and length fields). */
    public static int extensionDataOffset(byte[] buf, int off) {
        return extensionHeaderOffset(buf, off) + 4;
    }

    /** Fixed header + CSRCs + extension (header and data). */
    public static int headerLength(byte[] buf, int off) {
        int h = FIXED_HEADER_LENGTH + 4 * csrcCount(buf, off);
        return extension(buf, off) ? h + 4 + extensionDataLength(buf, off) : h;
    }

    public static int payloadOffset(byte[] buf, int off) {
        return off + headerLength(buf, off);
    }

    /** Padding octets at the end, including the count octet; 0 without the P bit. */
    public static int paddingLength(byte[] buf, int off, int len) {
        return padding(buf, off) ? buf[off + len - 1] & 0xFF : 0;
    }

    /** Payload bytes between the header and the padding. */
    public static int payloadLength(byte[] buf, int off, int len) {
        return len - headerLength(buf, off) - paddingLength(buf, off, len);
    }

    static int readU16(byte[] buf, int at) {
        return ((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF);
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
}
