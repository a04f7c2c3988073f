package org.sfu.media.rtp;

/**
 * The RTP payload for redundant audio data of RFC 2198 ({@code red/48000/2} in WebRTC, with
 * {@code a=fmtp:<red> <opus>/<opus>}): each packet carries the current (primary) encoding and one or more earlier
 * ones, so a receiver that lost a packet recovers its audio from the next. Chromium and the libwebrtc mobile SDKs
 * send it when RED is negotiated ahead of Opus.
 *
 * <pre>
 * RFC 2198 §3: one header per block, in block order; the last one (F = 0) is the primary's and is one octet.
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |F|   block PT  |  timestamp offset         |   block length    |   F = 1: a redundant block follows
 * |0|   block PT  |                                                   F = 0: the primary, to the end of the payload
 * </pre>
 * The block data follow the headers in the same order, so the primary's data are the last.
 *
 * <p>Like {@link RtpPacket}, this works in place on {@code byte[]} + offset + length and allocates nothing; malformed
 * input is a negative return value, never an exception, and leaves the bytes untouched.
 */
public final class RedundantAudio {
    /** The block headers run past the payload, or the redundant blocks' lengths do, or there is no block at all. */
    public static final int MALFORMED = -1;
    /** Well formed, but the primary block is empty: there is nothing to play as a packet of its own. */
    public static final int EMPTY_PRIMARY = -2;

    /** RFC 2198 §3: F bit set, a redundant block's four-octet header. */
    private static final int FOLLOWS = 0x80;
    private static final int REDUNDANT_HEADER_LENGTH = 4;

    private RedundantAudio() {
    }

    /**
     * The primary block of the RED payload {@code buf[payload .. payload+length)}: its block payload type in the high
     * 32 bits and the absolute offset of its data in the low ones (its data run to the payload's end), or
     * {@link #MALFORMED}.
     */
    public static long primary(byte[] buf, int payload, int length) {
        if (buf == null || payload < 0 || length <= 0 || payload > buf.length - length) {
            return MALFORMED;
        }
        int end = payload + length;
        int at = payload;
        int redundantBytes = 0;
        while (at < end) {
            int first = buf[at] & 0xFF;
            if ((first & FOLLOWS) == 0) {
                int data = at + 1 + redundantBytes;
                if (data > end) {
                    return MALFORMED;
                }
                return ((long) (first & 0x7F) << 32) | data;
            }
            if (at + REDUNDANT_HEADER_LENGTH > end) {
                return MALFORMED;
            }
            // Ten bits of block length (RFC 2198 §3), so the sum stays far below int range for any real packet.
            redundantBytes += ((buf[at + 2] & 0x03) << 8) | (buf[at + 3] & 0xFF);
            at += REDUNDANT_HEADER_LENGTH;
        }
        return MALFORMED;
    }

    /** The primary block's payload type, from {@link #primary}'s answer. */
    public static int primaryPayloadType(long primary) {
        return (int) (primary >>> 32);
    }

    /** Where the primary block's data start, from {@link #primary}'s answer. */
    public static int primaryDataOffset(long primary) {
        return (int) primary;
    }

    /**
     * Turns the RED packet {@code buf[off .. off+len)} into a plain packet of its primary encoding, in place, for a
     * receiver that did not negotiate RED: the primary's data move up behind the RTP header, the payload type becomes
     * the primary block's, padding is dropped (P cleared). Everything else in the header stays: RFC 2198 §3 gives the
     * primary the packet's own timestamp. Returns the new length, {@link #MALFORMED} (also for bytes that are not
     * valid RTP) or {@link #EMPTY_PRIMARY}; the bytes are untouched then.
     */
    public static int unwrapPrimary(byte[] buf, int off, int len) {
        if (!RtpPacket.isValidRtp(buf, off, len)) {
            return MALFORMED;
        }
        int payload = RtpPacket.payloadOffset(buf, off);
        int payloadLength = RtpPacket.payloadLength(buf, off, len);
        long primary = primary(buf, payload, payloadLength);
        if (primary == MALFORMED) {
            return MALFORMED;
        }
        int data = primaryDataOffset(primary);
        int dataLength = payload + payloadLength - data;
        if (dataLength == 0) {
            return EMPTY_PRIMARY;
        }
        System.arraycopy(buf, data, buf, payload, dataLength);
        buf[off] &= (byte) ~0x20;
        RtpPacket.setPayloadType(buf, off, primaryPayloadType(primary));
        return payload - off + dataLength;
    }

    /**
     * Maps every block's payload type of the RED packet {@code buf[off .. off+len)} through {@code map} (sender
     * payload type → receiver payload type, -1 where the receiver has none: that block keeps its type), so that a
     * receiver with other payload type numbers finds its own codec in each block (RFC 2198 §3). False, with the bytes
     * untouched, when the packet is malformed.
     */
    public static boolean mapBlockPayloadTypes(byte[] buf, int off, int len, int[] map) {
        if (!RtpPacket.isValidRtp(buf, off, len)) {
            return false;
        }
        int payload = RtpPacket.payloadOffset(buf, off);
        int payloadLength = RtpPacket.payloadLength(buf, off, len);
        long primary = primary(buf, payload, payloadLength);
        if (primary == MALFORMED) {
            return false;
        }
        // primary() checked the headers: they are whole, the last one is the primary's.
        int at = payload;
        while (true) {
            int first = buf[at] & 0xFF;
            int mapped = map[first & 0x7F];
            if (mapped >= 0 && mapped <= 0x7F) {
                buf[at] = (byte) ((first & FOLLOWS) | mapped);
            }
            if ((first & FOLLOWS) == 0) {
                return true;
            }
            at += REDUNDANT_HEADER_LENGTH;
        }
    }
}
