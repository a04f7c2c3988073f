package org.sfu.media.router;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sfu.media.rtcp.RtcpCompoundCursor;
import org.sfu.media.rtcp.RtcpFeedback;
import org.sfu.media.rtcp.RtcpHeader;
import org.sfu.media.rtcp.SenderReport;
import org.sfu.srtp.PacketBuffer;

/**
 * Decides where each packet of an RTCP compound from one participant goes (RFC 3550 §6, RFC 4585, RFC 5104). The
 * SSRC is not rewritten between sender and receivers, so most reports can travel end to end:
 * <ul>
 *   <li>SR (200) from a sender goes to the receivers of that stream (lip sync, round-trip time);</li>
 *   <li>RR (201) stops here: the server sends every sender its own receiver reports;</li>
 *   <li>NACK (RTPFB 205 fmt 1) is answered by the server from its cache of recent packets, as RTX;</li>
 *   <li>PLI (PSFB 206 fmt 1) and FIR (fmt 4) become the producer's own rate-limited keyframe request;</li>
 *   <li>everything else (SDES, BYE, APP, REMB, transport-cc) is dropped: the server does not negotiate it yet.</li>
 * </ul>
 * Packets bound for one participant are sent as one compound; reduced-size RTCP (RFC 5506) is negotiated, so a
 * compound need not start with a report.
 */
final class RtcpRouting {
    private RtcpRouting() {
    }

    /** Returns false when nothing in the packet could be routed. */
    static boolean route(Peer from, PacketBuffer packet) {
        byte[] b = packet.buffer();
        RtcpCompoundCursor cursor = new RtcpCompoundCursor().reset(b, packet.offset(), packet.length());
        Map<Peer, ByteArrayOutputStream> out = new LinkedHashMap<>();
        boolean routed = false;
        while (cursor.next()) {
            int offset = cursor.offset();
            int length = cursor.length();
            switch (cursor.packetType()) {
                case RtcpHeader.SR -> {
                    Producer p = from.producerBySsrc(RtcpHeader.senderSsrc(b, offset));
                    if (p != null && length >= 28) {
                        p.onSenderReport(SenderReport.lastSrOf(b, offset), System.nanoTime());
                        for (Consumer c : p.consumers()) {
                            if (c.isActive()) {
                                append(out, c.receiver(), b, offset, length);
                            }
                        }
                    }
                }
                case RtcpHeader.RR -> {
                    // Terminated: the server reports on each sender's streams itself (Peer.sendReceiverReport).
                }
                case RtcpHeader.RTPFB -> {
                    if (RtcpFeedback.isNack(b, offset, length) && length >= 16) {
                        routed |= retransmit(from, RtcpHeader.mediaSsrc(b, offset), b, offset, length);
                    }
                }
                case RtcpHeader.PSFB -> {
                    if (RtcpFeedback.isPli(b, offset, length)) {
                        routed |= requestKeyframe(from, RtcpHeader.mediaSsrc(b, offset));
                    } else if (RtcpFeedback.isFir(b, offset, length) && RtcpFeedback.firEntryCount(b, offset, length) > 0) {
                        // RFC 5104 §4.3.1.2: the FCI names the stream; the media source field is unused.
                        routed |= requestKeyframe(from, RtcpFeedback.firSsrc(b, offset, 0));
                    }
                }
                default -> {
                }
            }
        }
        for (Map.Entry<Peer, ByteArrayOutputStream> e : out.entrySet()) {
            byte[] compound = e.getValue().toByteArray();
            routed |= e.getKey().transport().sendRtcp(PacketBuffer.copyOf(compound, 0, compound.length));
        }
        return routed;
    }

    /** A receiver's NACK is answered by its consumer from the server's cache, not passed on to the sender. */
    private static boolean retransmit(Peer from, long mediaSsrc, byte[] b, int offset, int length) {
        Producer p = from.router().producerBySsrc(mediaSsrc);
        Consumer c = p == null ? null : from.consumerOf(p);
        if (c == null) {
            return false;
        }
        int items = RtcpFeedback.nackItemCount(b, offset, length);
        if (items <= 0) {
            return false;
        }
        // Each item names up to 17 packets: its PID and the 16 of its bitmask (RFC 4585 §6.2.1).
        int[] lost = new int[items * 17];
        int n = RtcpFeedback.nackSequenceNumbers(b, offset, length, lost);
        if (n > 0) {
            c.retransmit(lost, n);
        }
        return n > 0;
    }

    private static boolean requestKeyframe(Peer from, long mediaSsrc) {
        Producer p = from.router().producerBySsrc(mediaSsrc);
        if (p == null || p.owner() == from) {
            return false;
        }
        p.requestKeyframe();
        return true;
    }

    private static void append(Map<Peer, ByteArrayOutputStream> out, Peer to, byte[] b, int offset, int length) {
        out.computeIfAbsent(to, k -> new ByteArrayOutputStream(length)).write(b, offset, length);
    }
}
