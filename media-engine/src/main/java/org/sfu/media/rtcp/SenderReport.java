package org.sfu.media.rtcp;

import java.util.List;
import org.sfu.media.rtcp.ReceiverReport.ReportBlock;

/**
 * Sender report, RTCP PT 200 (RFC 3550 §6.4.1): sender info then up to 31 report blocks.
 * The static accessors read a packet in place (no allocation) once {@link #isSenderReport}
 * has passed; {@link #parse} returns an immutable value.
 *
 * <pre>
 * |V=2|P|    RC   |   PT=SR=200   |             length            |
 * |                         SSRC of sender                        |
 * |              NTP timestamp, most significant word             |  sender
 * |             NTP timestamp, least significant word             |  info
 * |                         RTP timestamp                         |
 * |                     sender's packet count                     |
 * |                      sender's octet count                     |
 * |                 report blocks (see ReceiverReport)            |  x RC
 * </pre>
 */
public record SenderReport(long senderSsrc, long ntpTimestamp, long rtpTimestamp, long packetCount, long octetCount,
        List<ReportBlock> reportBlocks) {
    /** Header, SSRC and the 20-byte sender info. */
    public static final int FIXED_LENGTH = 28;

    public SenderReport {
        reportBlocks = List.copyOf(reportBlocks);
    }

    /** Version 2, PT 200, and the sender info plus RC report blocks fit in the length field. */
    public static boolean isSenderReport(byte[] buf, int off, int len) {
        return ReceiverReport.checkedBlocksOffset(buf, off, len, RtcpHeader.SR, FIXED_LENGTH) >= 0;
    }

    /** 64-bit NTP timestamp (RFC 3550 §4): seconds since 1900 in the high word, fraction in the low. */
    public static long ntpTimestamp(byte[] buf, int off) {
        return (RtcpHeader.readU32(buf, off + 8) << 32) | RtcpHeader.readU32(buf, off + 12);
    }

    /** The middle 32 bits of the NTP timestamp, which receivers echo as LSR (RFC 3550 §6.4.1). */
    public static long lastSrOf(byte[] buf, int off) {
        return middle32(ntpTimestamp(buf, off));
    }

    /** RFC 3550 §6.4.1: LSR is the middle 32 bits of the 64-bit NTP timestamp. */
    public static long middle32(long ntpTimestamp) {
        return (ntpTimestamp >>> 16) & 0xFFFF_FFFFL;
    }

    public static long rtpTimestamp(byte[] buf, int off) {
        return RtcpHeader.readU32(buf, off + 16);
    }

    public static long packetCount(byte[] buf, int off) {
        return RtcpHeader.readU32(buf, off + 20);
    }

    public static long octetCount(byte[] buf, int off) {
        return RtcpHeader.readU32(buf, off + 24);
    }

    /** Parses an SR; null when {@link #isSenderReport} fails. Profile-specific extensions are ignored. */
    public static SenderReport parse(byte[] buf, int off, int len) {
        int blocksAt = ReceiverReport.checkedBlocksOffset(buf, off, len, RtcpHeader.SR, FIXED_LENGTH);
        if (blocksAt < 0) {
            return null;
        }
        return new SenderReport(RtcpHeader.senderSsrc(buf, off), ntpTimestamp(buf, off), rtpTimestamp(buf, off),
                packetCount(buf, off), octetCount(buf, off), ReceiverReport.readBlocks(buf, off, blocksAt));
    }

    /**
     * A sender report without report blocks, as the server sends for one of its outgoing streams: the sender's NTP
     * time of the report, the stream's own RTP timestamp for that instant, and what the stream itself has sent
     * (RFC 3550 §6.4.1: packets, and payload octets without headers or padding).
     */
    public static byte[] build(long senderSsrc, long ntpTimestamp, long rtpTimestamp, long packetCount,
                               long octetCount) {
        byte[] p = new byte[FIXED_LENGTH];
        RtcpHeader.writeHeader(p, 0, RtcpHeader.SR, FIXED_LENGTH);
        RtcpHeader.writeU32(p, 4, TransportCcFeedback.checkSsrc(senderSsrc));
        RtcpHeader.writeU32(p, 8, ntpTimestamp >>> 32);
        RtcpHeader.writeU32(p, 12, ntpTimestamp & 0xFFFF_FFFFL);
        RtcpHeader.writeU32(p, 16, rtpTimestamp & 0xFFFF_FFFFL);
        // RFC 3550 §6.4.1: the counts wrap around.
        RtcpHeader.writeU32(p, 20, packetCount & 0xFFFF_FFFFL);
        RtcpHeader.writeU32(p, 24, octetCount & 0xFFFF_FFFFL);
        return p;
    }

    /** Middle 32 bits of this report's NTP timestamp: the LSR a receiver echoes back. */
    public long lastSr() {
        return middle32(ntpTimestamp);
    }
}
