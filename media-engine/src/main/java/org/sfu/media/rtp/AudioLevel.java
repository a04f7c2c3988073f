package org.sfu.media.rtp;

/**
 * RFC 6464 client-to-mixer audio level ({@code urn:ietf:params:rtp-hdrext:ssrc-audio-level}),
 * read in place from an RTP packet in {@code buf[off .. off+len)} without allocation. The
 * extension id is the one negotiated by {@code a=extmap} (Chromium offers it as id 1).
 *
 * <pre>
 * RFC 6464 §3, one-byte form (RFC 8285 §4.2):   two-byte form (RFC 8285 §4.3):
 *  0                   1                         0                   1                   2
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5               0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3
 * |  ID   | len=0 |V| level       |             |      ID       |     len=1     |V|    level    |
 * </pre>
 *
 * <p>The level is 0..127 in -dBov: 0 is the loudest (0 dBov), 127 is -127 dBov and is also
 * what a muted source or digital silence sends (RFC 6464 §3). V is the sender's voice
 * activity flag; it is only meaningful when the extmap did not say {@code vad=off}
 * (RFC 6464 §4), which the caller knows from the negotiation, not from the packet.
 */
public final class AudioLevel {
    /** RFC 6464 §3: -127 dBov, digital silence. */
    public static final int SILENCE = 127;

    /** RFC 6464 §3: the element carries exactly one byte (len=0 one-byte, len=1 two-byte). */
    private static final int DATA_LENGTH = 1;

    private AudioLevel() {
    }

    /**
     * The audio level 0..127 (-dBov), or -1 when the packet is not valid RTP, has no RFC 8285
     * extension block, has no element with this id, or the element is not exactly one byte.
     */
    public static int level(byte[] buf, int off, int len, int extensionId) {
        int data = dataByte(buf, off, len, extensionId);
        return data < 0 ? -1 : data & 0x7F;
    }

    /** {@link #level(byte[], int, int, int)} of a packet whose header was read once: the packet path's form. */
    public static int level(RtpHeader header, int extensionId) {
        if (extensionId < 1 || extensionId > 255 || !header.isValid()) {
            return -1;
        }
        int data = header.extensionByte(extensionId);
        return data < 0 ? -1 : data & 0x7F;
    }

    /**
     * The V bit (RFC 6464 §3: the encoder believes the packet contains voice); false when the
     * element is absent or malformed, as for {@link #level}.
     */
    public static boolean voiceActivity(byte[] buf, int off, int len, int extensionId) {
        int data = dataByte(buf, off, len, extensionId);
        return data >= 0 && (data & 0x80) != 0;
    }

    /** The element's single data byte (0..255), or -1. */
    private static int dataByte(byte[] buf, int off, int len, int extensionId) {
        // RFC 8285 §4.2/§4.3: id 0 is padding; one-byte ids stop at 14, two-byte ids at 255.
        if (extensionId < 1 || extensionId > 255 || !RtpPacket.isValidRtp(buf, off, len)) {
            return -1;
        }
        long found = HeaderExtensions.find(buf, off, len, extensionId);
        if (found == HeaderExtensions.NOT_FOUND || HeaderExtensions.dataLength(found) != DATA_LENGTH) {
            return -1;
        }
        return buf[HeaderExtensions.dataOffset(found)] & 0xFF;
    }
}
