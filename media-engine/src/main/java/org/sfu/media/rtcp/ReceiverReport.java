package org.sfu.media.rtcp;

import java.util.ArrayList;
import java.util.List;

/**
 * Receiver report, RTCP PT 201 (RFC 3550 §6.4.2): the sender's SSRC followed by up to 31
 * reception report blocks (§6.4.1).
 *
 * <pre>
 * |V=2|P|    RC   |   PT=RR=201   |             length            |
 * |                     SSRC of packet sender                     |
 * |                 SSRC_1 (SSRC of first source)                 |  report
 * | fraction lost |       cumulative number of packets lost       |  block
 * |           extended highest sequence number received           |  x RC
 * |                      interarrival jitter                      |
 * |                         last SR (LSR)                         |
 * |                   delay since last SR (DLSR)                  |
 * </pre>
 */
public record ReceiverReport(long senderSsrc, List<ReportBlock> reportBlocks) {
    /** RFC 3550 §6.4.1: 5-bit reception report count. */
    public static final int MAX_REPORT_BLOCKS = 31;

    public ReceiverReport {
        reportBlocks = List.copyOf(reportBlocks);
        if (reportBlocks.size() > MAX_REPORT_BLOCKS) {
            throw new IllegalArgumentException("too many report blocks: " + reportBlocks.size());
        }
    }

    /**
     * One reception report block (RFC 3550 §6.4.1).
     *
     * @param ssrc source this block reports on
     * @param fractionLost packets lost since the previous report, in 1/256 (0..255)
     * @param cumulativeLost expected minus received since reception began, 24-bit signed (may be negative with duplicates)
     * @param extendedHighestSequence cycles × 2^16 + highest sequence number, 32 bits
     * @param jitter interarrival jitter in timestamp units, 32 bits
     * @param lastSr middle 32 bits of the NTP timestamp of the last SR from the source, 0 if none
     * @param delaySinceLastSr delay since that SR in 1/65536 s, 0 if none
     */
    public record ReportBlock(long ssrc, int fractionLost, int cumulativeLost, long extendedHighestSequence,
            long jitter, long lastSr, long delaySinceLastSr) {
        public static final int LENGTH = 24;

        public ReportBlock {
            TransportCcFeedback.checkSsrc(ssrc);
            if (fractionLost < 0 || fractionLost > 255) {
                throw new IllegalArgumentException("fraction lost out of range: " + fractionLost);
            }
            if (cumulativeLost < -0x80_0000 || cumulativeLost > 0x7F_FFFF) {
                throw new IllegalArgumentException("cumulative lost does not fit 24 bits: " + cumulativeLost);
            }
            checkU32("extended highest sequence", extendedHighestSequence);
            checkU32("jitter", jitter);
            checkU32("LSR", lastSr);
            checkU32("DLSR", delaySinceLastSr);
        }

        void write(byte[] out, int at) {
            RtcpHeader.writeU32(out, at, ssrc);
            RtcpHeader.writeU32(out, at + 4, ((long) fractionLost << 24) | (cumulativeLost & 0xFF_FFFF));
            RtcpHeader.writeU32(out, at + 8, extendedHighestSequence);
            RtcpHeader.writeU32(out, at + 12, jitter);
            RtcpHeader.writeU32(out, at + 16, lastSr);
            RtcpHeader.writeU32(out, at + 20, delaySinceLastSr);
        }

        /** Reads the block at {@code buf[at]}; the caller has checked that 24 bytes are there. */
        public static ReportBlock read(byte[] buf, int at) {
            int lost = (int) RtcpHeader.readU32(buf, at + 4);
            return new ReportBlock(RtcpHeader.readU32(buf, at), lost >>> 24, (lost << 8) >> 8,
                    RtcpHeader.readU32(buf, at + 8), RtcpHeader.readU32(buf, at + 12),
                    RtcpHeader.readU32(buf, at + 16), RtcpHeader.readU32(buf, at + 20));
        }

        private static void checkU32(String what, long v) {
            if (v < 0 || v > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException(what + " out of range: " + v);
            }
        }
    }

    public static byte[] build(long senderSsrc, List<ReportBlock> blocks) {
        if (blocks.size() > MAX_REPORT_BLOCKS) {
            throw new IllegalArgumentException("too many report blocks: " + blocks.size());
        }
        byte[] p = new byte[8 + ReportBlock.LENGTH * blocks.size()];
        RtcpHeader.writeHeader(p, blocks.size(), RtcpHeader.RR, p.length);
        RtcpHeader.writeU32(p, 4, TransportCcFeedback.checkSsrc(senderSsrc));
        for (int i = 0; i < blocks.size(); i++) {
            blocks.get(i).write(p, 8 + ReportBlock.LENGTH * i);
        }
        return p;
    }

    public static byte[] build(long senderSsrc, ReportBlock... blocks) {
        return build(senderSsrc, List.of(blocks));
    }

    public byte[] marshal() {
        return build(senderSsrc, reportBlocks);
    }

    /**
     * Parses an RR in {@code buf[off .. off+len)}; null when it is not version 2 PT 201 or
     * its RC blocks do not fit the length field (padding excluded). Profile-specific
     * extensions after the blocks (§6.4.2) are ignored.
     */
    public static ReceiverReport parse(byte[] buf, int off, int len) {
        int blocksAt = checkedBlocksOffset(buf, off, len, RtcpHeader.RR, 8);
        if (blocksAt < 0) {
            return null;
        }
        return new ReceiverReport(RtcpHeader.senderSsrc(buf, off), readBlocks(buf, off, blocksAt));
    }

    /**
     * Offset of the first report block of the RR, or of the SR (whose blocks are about what its sender receives), at
     * {@code off}; -1 when it is neither or its blocks do not fit. Read in place with {@link #blockSsrc},
     * {@link #blockLastSr} and {@link #blockDelaySinceLastSr}, {@link ReportBlock#LENGTH} bytes apart.
     */
    public static int reportBlocksAt(byte[] buf, int off, int len) {
        if (buf == null || off < 0 || len < 8 || off + len > buf.length || off + len < 0) {
            return -1;
        }
        return RtcpHeader.packetType(buf, off) == RtcpHeader.SR
                ? checkedBlocksOffset(buf, off, len, RtcpHeader.SR, SenderReport.FIXED_LENGTH)
                : checkedBlocksOffset(buf, off, len, RtcpHeader.RR, 8);
    }

    /** The SSRC the block at {@code at} reports on. */
    public static long blockSsrc(byte[] buf, int at) {
        return RtcpHeader.readU32(buf, at);
    }

    /** The block's LSR: the middle 32 bits of the NTP time of the last SR received from that source, 0 if none. */
    public static long blockLastSr(byte[] buf, int at) {
        return RtcpHeader.readU32(buf, at + 16);
    }

    /** The block's DLSR, in 1/65536 s. */
    public static long blockDelaySinceLastSr(byte[] buf, int at) {
        return RtcpHeader.readU32(buf, at + 20);
    }

    /**
     * Offset of the first report block when the packet at {@code off} has the given type,
     * version 2, and room for the fixed part plus RC blocks; -1 otherwise.
     */
    static int checkedBlocksOffset(byte[] buf, int off, int len, int packetType, int fixedLength) {
        if (buf == null || off < 0 || len < fixedLength || off + len > buf.length || off + len < 0
                || RtcpHeader.version(buf, off) != 2 || RtcpHeader.packetType(buf, off) != packetType) {
            return -1;
        }
        int length = RtcpHeader.lengthInBytes(buf, off);
        if (length > len) {
            return -1;
        }
        int pad = RtcpHeader.padding(buf, off) ? buf[off + length - 1] & 0xFF : 0;
        int needed = fixedLength + ReportBlock.LENGTH * RtcpHeader.countOrFmt(buf, off);
        return pad < 0 || needed > length - pad ? -1 : off + fixedLength;
    }

    static List<ReportBlock> readBlocks(byte[] buf, int off, int blocksAt) {
        int count = RtcpHeader.countOrFmt(buf, off);
        List<ReportBlock> blocks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            blocks.add(ReportBlock.read(buf, blocksAt + ReportBlock.LENGTH * i));
        }
        return blocks;
    }
}
