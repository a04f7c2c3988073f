package org.sfu.media.rtcp;

/**
 * Walks the packets of a compound RTCP packet (RFC 3550 §6.1) without allocating per packet:
 * <pre>
 * RtcpCompoundCursor c = new RtcpCompoundCursor();   // reusable; owned by one thread
 * c.reset(buf, off, len);
 * while (c.next()) { switch (c.packetType()) { ... RtcpHeader.mediaSsrc(buf, c.offset()) ... } }
 * if (c.malformed()) { drop, count the reason }
 * </pre>
 * Each packet must be version 2, at least 4 bytes, and its length field must fit in what is
 * left; the first packet that does not stops the walk and sets {@link #malformed()}. Packets
 * before it have already been yielded, so a caller that wants all-or-nothing checks
 * {@link #isValidCompound} first. Reduced-size RTCP (RFC 5506) is allowed: the first packet
 * need not be SR or RR.
 */
public final class RtcpCompoundCursor {
    private byte[] buf;
    private int pos;
    private int end;
    private int current = -1;
    private int currentLength;
    private boolean malformed;

    public RtcpCompoundCursor reset(byte[] buf, int off, int len) {
        this.buf = buf;
        this.current = -1;
        this.currentLength = 0;
        if (buf == null || off < 0 || len < 0 || off + len > buf.length || off + len < 0) {
            this.pos = 0;
            this.end = 0;
            this.malformed = true;
        } else {
            this.pos = off;
            this.end = off + len;
            this.malformed = false;
        }
        return this;
    }

    /** Moves to the next packet; false at the end or when the rest is malformed. */
    public boolean next() {
        if (malformed || pos >= end) {
            current = -1;
            return false;
        }
        int remaining = end - pos;
        if (remaining < RtcpHeader.HEADER_LENGTH || RtcpHeader.version(buf, pos) != 2) {
            return fail();
        }
        int length = RtcpHeader.lengthInBytes(buf, pos);
        if (length > remaining) {
            return fail();
        }
        if (RtcpHeader.padding(buf, pos)) {
            // RFC 3550 §6.4.1: the last octet counts the padding, itself included.
            int pad = buf[pos + length - 1] & 0xFF;
            if (pad == 0 || pad > length - RtcpHeader.HEADER_LENGTH) {
                return fail();
            }
        }
        current = pos;
        currentLength = length;
        pos += length;
        return true;
    }

    private boolean fail() {
        malformed = true;
        current = -1;
        return false;
    }

    public boolean malformed() {
        return malformed;
    }

    /** Absolute offset of the current packet in the buffer. */
    public int offset() {
        return current;
    }

    /** Length in bytes of the current packet (from its length field). */
    public int length() {
        return currentLength;
    }

    public int packetType() {
        return RtcpHeader.packetType(buf, current);
    }

    public int countOrFmt() {
        return RtcpHeader.countOrFmt(buf, current);
    }

    public byte[] buffer() {
        return buf;
    }

    /** Whether every packet in the compound is well formed and they fill it exactly. */
    public static boolean isValidCompound(byte[] buf, int off, int len) {
        RtcpCompoundCursor c = new RtcpCompoundCursor().reset(buf, off, len);
        int count = 0;
        while (c.next()) {
            count++;
        }
        return !c.malformed() && count > 0;
    }
}
