package org.sfu.media.rtp;

/**
 * RFC 8285 header extension elements inside an RTP packet, without allocation. Works on the
 * one-byte form (profile 0xBEDE, §4.2) and the two-byte form (profile 0x100x, §4.3); other
 * profiles hold no elements as far as this class is concerned.
 *
 * <p>{@link #find} packs the element's data offset and length into one long: use
 * {@link #dataOffset(long)} and {@link #dataLength(long)}, or compare with {@link #NOT_FOUND}.
 * The packet must have passed {@link RtpPacket#isValidRtp}.
 */
public final class HeaderExtensions {
    public static final int ONE_BYTE_PROFILE = 0xBEDE;
    public static final int TWO_BYTE_PROFILE = 0x1000;
    public static final long NOT_FOUND = -1L;

    private HeaderExtensions() {
    }

    public static boolean isOneByte(int profile) {
        return profile == ONE_BYTE_PROFILE;
    }

    /** RFC 8285 §4.3: 0x100 followed by 4 "appbits". */
    public static boolean isTwoByte(int profile) {
        return (profile & 0xFFF0) == TWO_BYTE_PROFILE;
    }

    /**
     * The element with this id: {@code (absolute data offset << 32) | data length}, or
     * {@link #NOT_FOUND} when absent, when the packet has no RFC 8285 extension block, or
     * when the block is malformed before the element is reached.
     */
    public static long find(byte[] buf, int off, int len, int id) {
        if (!RtpPacket.extension(buf, off)) {
            return NOT_FOUND;
        }
        int profile = RtpPacket.extensionProfile(buf, off);
        boolean one = isOneByte(profile);
        if (!one && !isTwoByte(profile)) {
            return NOT_FOUND;
        }
        int start = RtpPacket.extensionDataOffset(buf, off);
        return findElement(buf, start, Math.min(start + RtpPacket.extensionDataLength(buf, off), off + len), one, id);
    }

    /**
     * {@link #find} within the elements' bytes {@code [start, end)} of a block of the one-byte or two-byte form, for a
     * caller that has already located them ({@link RtpHeader}).
     */
    static long findElement(byte[] buf, int start, int end, boolean one, int id) {
        int p = start;
        while (p < end) {
            int b = buf[p] & 0xFF;
            if (b == 0) { // RFC 8285 §4.2/§4.3: padding byte
                p++;
                continue;
            }
            int elementId;
            int elementLength;
            int dataAt;
            if (one) {
                elementId = b >>> 4;
                if (elementId == 15) { // RFC 8285 §4.2: ID 15 reserved, stop processing
                    return NOT_FOUND;
                }
                elementLength = (b & 0x0F) + 1;
                dataAt = p + 1;
            } else {
                if (p + 1 >= end) {
                    return NOT_FOUND;
                }
                elementId = b;
                elementLength = buf[p + 1] & 0xFF;
                dataAt = p + 2;
            }
            if (dataAt + elementLength > end) {
                return NOT_FOUND;
            }
            if (elementId == id) {
                return ((long) dataAt << 32) | elementLength;
            }
            p = dataAt + elementLength;
        }
        return NOT_FOUND;
    }

    public static int dataOffset(long found) {
        return (int) (found >>> 32);
    }

    public static int dataLength(long found) {
        return (int) found;
    }

    /**
     * Renumbers elements in place: an element with id {@code i} gets {@code idMap[i]} when
     * {@code i < idMap.length} and {@code idMap[i] > 0}; others keep their id. Checks the
     * whole block first and changes nothing (returns false) when it is malformed or a new id
     * does not fit the form (1..14 one-byte, 1..255 two-byte). Returns true otherwise,
     * including when there is no extension block.
     */
    public static boolean rewriteIds(byte[] buf, int off, int len, int[] idMap) {
        return renumber(buf, off, len, idMap, false);
    }

    /**
     * Carries the elements from one session's ids to another's, in place: an element with id {@code i} gets
     * {@code idMap[i]}, and one the map has no id for ({@code i >= idMap.length} or {@code idMap[i] <= 0}) is
     * removed by turning its bytes into padding (RFC 8285 §4.2, §4.3: a 0 byte between elements is padding), so the
     * block keeps its length. Checks first and changes nothing (false) as {@link #rewriteIds} does.
     */
    public static boolean translateIds(byte[] buf, int off, int len, int[] idMap) {
        return renumber(buf, off, len, idMap, true);
    }

    private static boolean renumber(byte[] buf, int off, int len, int[] idMap, boolean dropUnmapped) {
        if (!RtpPacket.extension(buf, off)) {
            return true;
        }
        int profile = RtpPacket.extensionProfile(buf, off);
        boolean one = isOneByte(profile);
        if (!one && !isTwoByte(profile)) {
            return true;
        }
        int start = RtpPacket.extensionDataOffset(buf, off);
        int end = start + RtpPacket.extensionDataLength(buf, off);
        if (end > off + len) {
            return false;
        }
        for (int pass = 0; pass < 2; pass++) {
            boolean write = pass == 1;
            int p = start;
            while (p < end) {
                int b = buf[p] & 0xFF;
                if (b == 0) {
                    p++;
                    continue;
                }
                int elementId = one ? b >>> 4 : b;
                if (one && elementId == 15) {
                    break;
                }
                if (!one && p + 1 >= end) {
                    return false;
                }
                int elementLength = one ? (b & 0x0F) + 1 : buf[p + 1] & 0xFF;
                int dataAt = one ? p + 1 : p + 2;
                if (dataAt + elementLength > end) {
                    return false;
                }
                boolean mapped = elementId < idMap.length && idMap[elementId] > 0;
                int newId = mapped ? idMap[elementId] : dropUnmapped ? 0 : elementId;
                if (newId > (one ? 14 : 255)) {
                    return false;
                }
                if (write && newId == 0) {
                    java.util.Arrays.fill(buf, p, dataAt + elementLength, (byte) 0);
                } else if (write) {
                    buf[p] = (byte) (one ? (newId << 4) | (b & 0x0F) : newId);
                }
                p = dataAt + elementLength;
            }
        }
        return true;
    }
}
