package org.sfu.media.rtcp;

/**
 * RTCP feedback messages an SFU sends and reads: PLI (RFC 4585 §6.3.1), FIR (RFC 5104
 * §4.3.1) and generic NACK (RFC 4585 §6.2.1). Builders return a fresh packet; readers work
 * on {@code buf[off .. off+len)} as yielded by {@link RtcpCompoundCursor}.
 */
public final class RtcpFeedback {
    public static final int FMT_NACK = 1;
    public static final int FMT_PLI = 1;
    public static final int FMT_FIR = 4;

    /** Largest NACK: the 16-bit length field counts words minus one, 2 of them for the SSRCs. */
    private static final int MAX_NACK_ITEMS = 0xFFFF - 2;

    private RtcpFeedback() {
    }

    /** RFC 4585 §6.3.1: PSFB FMT 1, no FCI; 12 bytes. */
    public static byte[] pli(long senderSsrc, long mediaSsrc) {
        byte[] p = new byte[RtcpHeader.FEEDBACK_HEADER_LENGTH];
        RtcpHeader.writeHeader(p, FMT_PLI, RtcpHeader.PSFB, p.length);
        RtcpHeader.writeU32(p, 4, checkSsrc(senderSsrc));
        RtcpHeader.writeU32(p, 8, checkSsrc(mediaSsrc));
        return p;
    }

    /**
     * RFC 5104 §4.3.1: PSFB FMT 4 with one FCI entry (SSRC, command sequence number). The
     * header's media source SSRC is 0 as §4.3.1.2 requires; the target is in the entry.
     */
    public static byte[] fir(long senderSsrc, long mediaSsrc, int seqNr) {
        if (seqNr < 0 || seqNr > 255) {
            throw new IllegalArgumentException("FIR sequence number out of range: " + seqNr);
        }
        byte[] p = new byte[RtcpHeader.FEEDBACK_HEADER_LENGTH + 8];
        RtcpHeader.writeHeader(p, FMT_FIR, RtcpHeader.PSFB, p.length);
        RtcpHeader.writeU32(p, 4, checkSsrc(senderSsrc));
        RtcpHeader.writeU32(p, 12, checkSsrc(mediaSsrc));
        p[16] = (byte) seqNr;
        return p;
    }

    /**
     * RFC 4585 §6.2.1: RTPFB FMT 1. Each FCI item is a PID and a bitmask (BLP) of the 16
     * following sequence numbers; lost numbers are packed in the given order (send them in
     * ascending order, modulo 2^16, for the fewest items).
     */
    public static byte[] nack(long senderSsrc, long mediaSsrc, int[] lostSequenceNumbers) {
        if (lostSequenceNumbers == null || lostSequenceNumbers.length == 0) {
            throw new IllegalArgumentException("NACK needs at least one sequence number");
        }
        // First pass counts the items, second writes them.
        int items = packNack(lostSequenceNumbers, null);
        if (items > MAX_NACK_ITEMS) {
            throw new IllegalArgumentException("too many NACK items: " + items);
        }
        byte[] p = new byte[RtcpHeader.FEEDBACK_HEADER_LENGTH + 4 * items];
        RtcpHeader.writeHeader(p, FMT_NACK, RtcpHeader.RTPFB, p.length);
        RtcpHeader.writeU32(p, 4, checkSsrc(senderSsrc));
        RtcpHeader.writeU32(p, 8, checkSsrc(mediaSsrc));
        packNack(lostSequenceNumbers, p);
        return p;
    }

    private static int packNack(int[] seqs, byte[] out) {
        int items = 0;
        int pid = -1;
        int blp = 0;
        for (int s : seqs) {
            if (s < 0 || s > 0xFFFF) {
                throw new IllegalArgumentException("sequence number out of range: " + s);
            }
            int diff = pid < 0 ? -1 : (s - pid) & 0xFFFF;
            if (diff == 0) {
                continue;
            }
            if (diff >= 1 && diff <= 16) {
                blp |= 1 << (diff - 1);
                continue;
            }
            if (pid >= 0) {
                writeItem(out, items - 1, pid, blp);
            }
            pid = s;
            blp = 0;
            items++;
        }
        writeItem(out, items - 1, pid, blp);
        return items;
    }

    private static void writeItem(byte[] out, int index, int pid, int blp) {
        if (out == null) {
            return;
        }
        int at = RtcpHeader.FEEDBACK_HEADER_LENGTH + 4 * index;
        out[at] = (byte) (pid >>> 8);
        out[at + 1] = (byte) pid;
        out[at + 2] = (byte) (blp >>> 8);
        out[at + 3] = (byte) blp;
    }

    public static boolean isPli(byte[] buf, int off, int len) {
        return len >= RtcpHeader.FEEDBACK_HEADER_LENGTH && RtcpHeader.packetType(buf, off) == RtcpHeader.PSFB
                && RtcpHeader.countOrFmt(buf, off) == FMT_PLI;
    }

    public static boolean isFir(byte[] buf, int off, int len) {
        return len >= RtcpHeader.FEEDBACK_HEADER_LENGTH && RtcpHeader.packetType(buf, off) == RtcpHeader.PSFB
                && RtcpHeader.countOrFmt(buf, off) == FMT_FIR;
    }

    public static boolean isNack(byte[] buf, int off, int len) {
        return len >= RtcpHeader.FEEDBACK_HEADER_LENGTH && RtcpHeader.packetType(buf, off) == RtcpHeader.RTPFB
                && RtcpHeader.countOrFmt(buf, off) == FMT_NACK;
    }

    /** FIR: number of 8-byte FCI entries, or -1 when the packet is too short or not whole entries. */
    public static int firEntryCount(byte[] buf, int off, int len) {
        int fci = fciLength(buf, off, len);
        return fci < 0 || fci % 8 != 0 ? -1 : fci / 8;
    }

    /** FIR: SSRC of the i-th entry (RFC 5104 §4.3.1.1). */
    public static long firSsrc(byte[] buf, int off, int index) {
        return RtcpHeader.readU32(buf, off + RtcpHeader.FEEDBACK_HEADER_LENGTH + 8 * index);
    }

    /** FIR: command sequence number of the i-th entry. */
    public static int firSeqNr(byte[] buf, int off, int index) {
        return buf[off + RtcpHeader.FEEDBACK_HEADER_LENGTH + 8 * index + 4] & 0xFF;
    }

    /** NACK: number of PID/BLP items, or -1 when the packet is too short or not whole items. */
    public static int nackItemCount(byte[] buf, int off, int len) {
        int fci = fciLength(buf, off, len);
        return fci < 0 || fci % 4 != 0 ? -1 : fci / 4;
    }

    /**
     * NACK: decodes the lost sequence numbers into {@code out} (PID first, then BLP bits from
     * least significant) and returns how many were written; stops when {@code out} is full
     * (17 per item is always enough). Returns -1 when the packet is malformed.
     */
    public static int nackSequenceNumbers(byte[] buf, int off, int len, int[] out) {
        int items = nackItemCount(buf, off, len);
        if (items < 0) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < items && n < out.length; i++) {
            int at = off + RtcpHeader.FEEDBACK_HEADER_LENGTH + 4 * i;
            int pid = ((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF);
            int blp = ((buf[at + 2] & 0xFF) << 8) | (buf[at + 3] & 0xFF);
            out[n++] = pid;
            for (int bit = 0; bit < 16 && n < out.length; bit++) {
                if ((blp & (1 << bit)) != 0) {
                    out[n++] = (pid + bit + 1) & 0xFFFF;
                }
            }
        }
        return n;
    }

    /** FCI bytes after the 12-byte feedback header, per the length field; -1 if it does not fit in len. */
    private static int fciLength(byte[] buf, int off, int len) {
        if (buf == null || off < 0 || len < RtcpHeader.FEEDBACK_HEADER_LENGTH || off + len > buf.length) {
            return -1;
        }
        int length = RtcpHeader.lengthInBytes(buf, off);
        if (length > len || length < RtcpHeader.FEEDBACK_HEADER_LENGTH) {
            return -1;
        }
        int pad = RtcpHeader.padding(buf, off) ? buf[off + length - 1] & 0xFF : 0;
        int fci = length - RtcpHeader.FEEDBACK_HEADER_LENGTH - pad;
        return fci < 0 ? -1 : fci;
    }

    private static long checkSsrc(long ssrc) {
        if (ssrc < 0 || ssrc > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("SSRC out of range: " + ssrc);
        }
        return ssrc;
    }
}
