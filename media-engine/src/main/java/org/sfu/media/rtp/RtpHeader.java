package org.sfu.media.rtp;

import org.sfu.packet.PacketBuffer;

/**
 * One RTP packet's header, read once when the packet arrives and then handed to every stage of its path (the session's
 * demultiplexing, transport-cc, audio levels, the producer, each consumer), instead of each stage checking and walking
 * the same bytes again: the fixed fields (RFC 3550 §5.1), where the payload is, and where the RFC 8285 extension
 * elements are.
 *
 * <p>Mutable and reused, so that reading allocates nothing: each participant's session owns one and reads each packet
 * into it on that participant's media thread. It describes the bytes it was read from until they change; whoever
 * changes them (an RTX unwrap) reads them again.
 */
public final class RtpHeader {
    private byte[] buf;
    private boolean valid;
    private int payloadType;
    private boolean marker;
    private int sequenceNumber;
    private long timestamp;
    private long ssrc;
    private int payloadOffset;
    private int payloadLength;
    /** The extension elements' bytes, {@code [extensionStart, extensionEnd)}; empty without an RFC 8285 block. */
    private int extensionStart;
    private int extensionEnd;
    private boolean oneByteElements;

    /** Reads the packet's header; false (and {@link #isValid()} false) when the bytes are not valid RTP. */
    public boolean read(PacketBuffer packet) {
        return read(packet.buffer(), packet.offset(), packet.length());
    }

    /** Reads the header of the packet in {@code buf[off .. off+len)}; false when it is not valid RTP. */
    public boolean read(byte[] buf, int off, int len) {
        this.buf = buf;
        valid = RtpPacket.isValidRtp(buf, off, len);
        if (!valid) {
            extensionStart = 0;
            extensionEnd = 0;
            return false;
        }
        payloadType = RtpPacket.payloadType(buf, off);
        marker = RtpPacket.marker(buf, off);
        sequenceNumber = RtpPacket.sequenceNumber(buf, off);
        timestamp = RtpPacket.timestamp(buf, off);
        ssrc = RtpPacket.ssrc(buf, off);
        int headerLength = RtpPacket.headerLength(buf, off);
        payloadOffset = off + headerLength;
        payloadLength = len - headerLength - RtpPacket.paddingLength(buf, off, len);
        extensionStart = 0;
        extensionEnd = 0;
        if (RtpPacket.extension(buf, off)) {
            int profile = RtpPacket.extensionProfile(buf, off);
            oneByteElements = HeaderExtensions.isOneByte(profile);
            if (oneByteElements || HeaderExtensions.isTwoByte(profile)) {
                extensionStart = RtpPacket.extensionDataOffset(buf, off);
                extensionEnd = extensionStart + RtpPacket.extensionDataLength(buf, off);
            }
        }
        return true;
    }

    public boolean isValid() {
        return valid;
    }

    public int payloadType() {
        return payloadType;
    }

    public boolean marker() {
        return marker;
    }

    public int sequenceNumber() {
        return sequenceNumber;
    }

    public long timestamp() {
        return timestamp;
    }

    public long ssrc() {
        return ssrc;
    }

    /** Where the payload starts in the packet's array (absolute). */
    public int payloadOffset() {
        return payloadOffset;
    }

    /** Payload bytes between the header and the padding. */
    public int payloadLength() {
        return payloadLength;
    }

    /**
     * The extension element with this id, packed as {@link HeaderExtensions#find} packs it, or
     * {@link HeaderExtensions#NOT_FOUND}.
     */
    public long findExtension(int id) {
        if (extensionStart == extensionEnd) {
            return HeaderExtensions.NOT_FOUND;
        }
        return HeaderExtensions.findElement(buf, extensionStart, extensionEnd, oneByteElements, id);
    }

    /** The data of a one-byte element with this id (0..255), or -1 when absent or of another length. */
    public int extensionByte(int id) {
        long found = findExtension(id);
        if (found == HeaderExtensions.NOT_FOUND || HeaderExtensions.dataLength(found) != 1) {
            return -1;
        }
        return buf[HeaderExtensions.dataOffset(found)] & 0xFF;
    }

    /**
     * True when the element with this id holds exactly the ASCII text {@code value}: an SDES item such as a mid or a
     * rid (RFC 8843 §15.1, RFC 8852 §3), compared without building a string.
     */
    public boolean extensionEquals(int id, String value) {
        long found = findExtension(id);
        if (found == HeaderExtensions.NOT_FOUND || HeaderExtensions.dataLength(found) != value.length()) {
            return false;
        }
        int at = HeaderExtensions.dataOffset(found);
        for (int i = 0; i < value.length(); i++) {
            if ((buf[at + i] & 0xFF) != value.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The data of a two-byte element with this id, unsigned, or -1 when absent or of another length. */
    public int extensionU16(int id) {
        long found = findExtension(id);
        if (found == HeaderExtensions.NOT_FOUND || HeaderExtensions.dataLength(found) != 2) {
            return -1;
        }
        int at = HeaderExtensions.dataOffset(found);
        return ((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF);
    }
}
