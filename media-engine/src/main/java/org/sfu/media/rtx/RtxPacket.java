package org.sfu.media.rtx;

import org.sfu.media.rtp.RtpPacket;

/**
 * The RTP retransmission payload format of RFC 4588 §4, SSRC-multiplexed as WebRTC uses it
 * ({@code a=ssrc-group:FID}, {@code apt=} in the RTX {@code a=fmtp}): a retransmission packet
 * is the original header with the RTX stream's SSRC, payload type and sequence number, followed
 * by the original sequence number (OSN) and the original payload.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |                         RTP Header                            |
 * |            OSN                |                               |
 * |                  Original RTP Packet Payload                  |
 * </pre>
 *
 * <p>Like {@link RtpPacket}, this works on {@code byte[]} + offset + length and allocates
 * nothing. Malformed input is reported by a negative return value, never by an exception;
 * exceptions are reserved for caller bugs (an SSRC, payload type or sequence number out of
 * range).
 */
public final class RtxPacket {
    /** RFC 4588 §4: the OSN field in front of the original payload. */
    public static final int OSN_LENGTH = 2;

    /** Returned by {@link #wrap} and {@link #unwrap} for bytes that are not a usable packet. */
    public static final int MALFORMED = -1;

    /**
     * Returned by {@link #unwrap} for an RTX packet that carries only RTP padding and no OSN.
     * Senders probe bandwidth with these on the RTX SSRC (libwebrtc does so whenever RTX is
     * negotiated); they have no original packet, so the caller counts and drops them.
     */
    public static final int PADDING_ONLY = -2;

    private RtxPacket() {
    }

    /**
     * Builds the retransmission of the original packet {@code src[off .. off+len)} into
     * {@code dst} at {@code dstOff} and returns its length, or {@link #MALFORMED} when the
     * source is not valid RTP or {@code dst} has no room for it (the original's length minus
     * its padding, plus {@link #OSN_LENGTH}).
     *
     * <p>RFC 4588 §4: timestamp, marker, CSRC list and header extension stay those of the
     * original; SSRC, payload type and sequence number become the RTX stream's; the original's
     * padding MUST be removed, so the P bit is cleared. {@code dst} may be {@code src} at any
     * offset (overlapping copies are ordered so that nothing is read after being overwritten);
     * in place ({@code dst == src}, {@code dstOff == off}) needs two bytes of tailroom.
     */
    public static int wrap(byte[] src, int off, int len, byte[] dst, int dstOff,
            long rtxSsrc, int rtxPayloadType, int rtxSequence) {
        checkSsrc(rtxSsrc);
        checkPayloadType(rtxPayloadType);
        checkSequence(rtxSequence);
        if (!RtpPacket.isValidRtp(src, off, len) || dst == null || dstOff < 0) {
            return MALFORMED;
        }
        int header = RtpPacket.headerLength(src, off);
        int payload = RtpPacket.payloadLength(src, off, len);
        int out = header + OSN_LENGTH + payload;
        if (dstOff > dst.length - out) {
            return MALFORMED;
        }
        int osn = RtpPacket.sequenceNumber(src, off);
        // The payload moves OSN_LENGTH + (dstOff - off) bytes; the header moves dstOff - off.
        // Moving right, the payload goes first so that the header it lands behind is still
        // intact; moving left, the header goes first for the same reason.
        if (src == dst && dstOff < off) {
            System.arraycopy(src, off, dst, dstOff, header);
            System.arraycopy(src, off + header, dst, dstOff + header + OSN_LENGTH, payload);
        } else {
            System.arraycopy(src, off + header, dst, dstOff + header + OSN_LENGTH, payload);
            System.arraycopy(src, off, dst, dstOff, header);
        }
        dst[dstOff] &= (byte) ~0x20; // RFC 4588 §4: the original's padding is not retransmitted
        RtpPacket.setSsrc(dst, dstOff, rtxSsrc);
        RtpPacket.setPayloadType(dst, dstOff, rtxPayloadType);
        RtpPacket.setSequenceNumber(dst, dstOff, rtxSequence);
        dst[dstOff + header] = (byte) (osn >>> 8);
        dst[dstOff + header + 1] = (byte) osn;
        return out;
    }

    /**
     * Turns the RTX packet {@code buf[off .. off+len)} back into the original packet in place:
     * the OSN becomes the sequence number, SSRC and payload type become the original stream's,
     * the payload moves two bytes forward and the RTX packet's own padding is dropped (RFC 4588
     * §4: it belonged to the retransmission, not to the original). Returns the original
     * packet's length, which is always shorter than {@code len}.
     *
     * <p>Returns {@link #PADDING_ONLY} for a padding-only probe (P bit set, nothing between
     * header and padding), and {@link #MALFORMED} when the bytes are not valid RTP or the
     * payload is too short to hold the OSN. In both cases the buffer is left untouched.
     */
    public static int unwrap(byte[] buf, int off, int len, long originalSsrc, int originalPayloadType) {
        checkSsrc(originalSsrc);
        checkPayloadType(originalPayloadType);
        if (!RtpPacket.isValidRtp(buf, off, len)) {
            return MALFORMED;
        }
        int header = RtpPacket.headerLength(buf, off);
        int payload = RtpPacket.payloadLength(buf, off, len);
        if (payload == 0 && RtpPacket.padding(buf, off)) {
            return PADDING_ONLY;
        }
        if (payload < OSN_LENGTH) {
            return MALFORMED;
        }
        int osn = ((buf[off + header] & 0xFF) << 8) | (buf[off + header + 1] & 0xFF);
        System.arraycopy(buf, off + header + OSN_LENGTH, buf, off + header, payload - OSN_LENGTH);
        buf[off] &= (byte) ~0x20;
        RtpPacket.setSsrc(buf, off, originalSsrc);
        RtpPacket.setPayloadType(buf, off, originalPayloadType);
        RtpPacket.setSequenceNumber(buf, off, osn);
        return header + payload - OSN_LENGTH;
    }

    /**
     * The OSN of the RTX packet {@code buf[off .. off+len)} without changing it, for looking
     * the original up before deciding to unwrap; {@link #PADDING_ONLY} or {@link #MALFORMED}
     * as for {@link #unwrap}.
     */
    public static int originalSequenceNumber(byte[] buf, int off, int len) {
        if (!RtpPacket.isValidRtp(buf, off, len)) {
            return MALFORMED;
        }
        int payload = RtpPacket.payloadLength(buf, off, len);
        if (payload == 0 && RtpPacket.padding(buf, off)) {
            return PADDING_ONLY;
        }
        if (payload < OSN_LENGTH) {
            return MALFORMED;
        }
        int at = RtpPacket.payloadOffset(buf, off);
        return ((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF);
    }

    private static void checkSsrc(long ssrc) {
        if (ssrc < 0 || ssrc > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("SSRC out of range: " + ssrc);
        }
    }

    private static void checkPayloadType(int payloadType) {
        if (payloadType < 0 || payloadType > 127) {
            throw new IllegalArgumentException("payload type out of range: " + payloadType);
        }
    }

    private static void checkSequence(int sequence) {
        if (sequence < 0 || sequence > 0xFFFF) {
            throw new IllegalArgumentException("sequence number out of range: " + sequence);
        }
    }
}
