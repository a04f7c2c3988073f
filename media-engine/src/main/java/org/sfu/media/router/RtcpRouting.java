package org.sfu.media.router;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sfu.media.rtcp.ReceiverReport;
import org.sfu.media.rtcp.RtcpCompoundCursor;
import org.sfu.media.rtcp.RtcpFeedback;
import org.sfu.media.rtcp.RtcpHeader;
import org.sfu.media.rtcp.SenderReport;
import org.sfu.media.rtcp.TransportCcFeedback;
import org.sfu.media.transport.Transport;
import org.sfu.packet.PacketBuffer;

/**
 * Decides where each packet of an RTCP compound from one participant goes (RFC 3550 §6, RFC 4585, RFC 5104). Every
 * consumer is a stream of its own in its receiver's session, so what a participant says about what it receives is
 * looked up by the SSRCs of its own session, in its own table ({@link SessionStreams}), and what it says about
 * what it sends reaches receivers translated to their streams:
 * <ul>
 *   <li>SR (200) from a sender becomes each receiving stream's own SR (its SSRC, its timestamp, its counts);</li>
 *   <li>RR (201) stops here: the server sends every sender its own receiver reports; the report blocks of an RR
 *       or SR about the participant's own streams give their round-trip time (RFC 3550 §6.4.1);</li>
 *   <li>NACK (RTPFB 205 fmt 1) names packets of one of the receiver's streams; that consumer answers it from the
 *       server's cache, as RTX;</li>
 *   <li>PLI (PSFB 206 fmt 1) and FIR (fmt 4) for one of the receiver's streams become that stream's producer's own
 *       rate-limited keyframe request; for any other SSRC they are refused;</li>
 *   <li>transport-cc feedback (RTPFB 205 fmt 15) is about the server's transport-wide sequence numbers toward the
 *       participant: it goes to the participant's {@link DownlinkEstimate}, never to a sender (each sender gets the
 *       server's own feedback about what it sends);</li>
 *   <li>everything else (SDES, BYE, APP, REMB) is dropped: the server does not negotiate it.</li>
 * </ul>
 * Packets bound for one participant are sent as one compound; reduced-size RTCP (RFC 5506) is negotiated, so a
 * compound need not start with a report.
 */
final class RtcpRouting {
    private RtcpRouting() {
    }

    /**
     * Returns false when nothing in the packet could be routed.
     *
     * @param nowNanos {@link System#nanoTime()} as the packet arrived
     */
    static boolean route(SessionStreams from, PacketBuffer packet, long nowNanos) {
        byte[] b = packet.buffer();
        RtcpCompoundCursor cursor = new RtcpCompoundCursor().reset(b, packet.offset(), packet.length());
        Map<Transport, ByteArrayOutputStream> out = new LinkedHashMap<>();
        boolean routed = false;
        while (cursor.next()) {
            int offset = cursor.offset();
            int length = cursor.length();
            switch (cursor.packetType()) {
                case RtcpHeader.SR -> {
                    measureRoundTrips(from, b, offset, length, nowNanos);
                    long senderSsrc = RtcpHeader.senderSsrc(b, offset);
                    Producer p = from.producerBySsrc(senderSsrc);
                    // Each simulcast layer reports on itself: only consumers forwarding that layer translate it.
                    int layer = p == null ? -1 : p.layerOf(senderSsrc);
                    if (layer < 0 && p != null && !p.isSimulcast()) {
                        // A plain track's RTX stream reports too (Chromium does); as before, it stands for the track.
                        layer = 0;
                    }
                    if (layer >= 0 && length >= SenderReport.FIXED_LENGTH) {
                        p.onSenderReport(layer, SenderReport.lastSrOf(b, offset), nowNanos);
                        long ntp = SenderReport.ntpTimestamp(b, offset);
                        long rtp = SenderReport.rtpTimestamp(b, offset);
                        for (Consumer c : p.consumers()) {
                            byte[] report = c.senderReport(layer, ntp, rtp, nowNanos);
                            if (report != null) {
                                out.computeIfAbsent(c.transport(), k -> new ByteArrayOutputStream(64))
                                        .write(report, 0, report.length);
                            }
                        }
                    }
                }
                case RtcpHeader.RR -> {
                    // Terminated: the server reports on each sender's streams itself (Peer.sendReceiverReport).
                    measureRoundTrips(from, b, offset, length, nowNanos);
                }
                case RtcpHeader.RTPFB -> {
                    if (RtcpFeedback.isNack(b, offset, length) && length >= 16) {
                        routed |= retransmit(from, RtcpHeader.mediaSsrc(b, offset), b, offset, length, nowNanos);
                    } else if (TransportCcFeedback.isTransportCc(b, offset, length)) {
                        DownlinkEstimate downlink = from.downlink();
                        if (downlink != null) {
                            downlink.onFeedback(b, offset, length, nowNanos);
                            routed = true;
                        }
                    }
                }
                case RtcpHeader.PSFB -> {
                    if (RtcpFeedback.isPli(b, offset, length)) {
                        routed |= requestKeyframe(from, RtcpHeader.mediaSsrc(b, offset), nowNanos);
                    } else if (RtcpFeedback.isFir(b, offset, length)
                            && RtcpFeedback.firEntryCount(b, offset, length) > 0) {
                        // RFC 5104 §4.3.1.2: the FCI names the stream; the media source field is unused.
                        routed |= requestKeyframe(from, RtcpFeedback.firSsrc(b, offset, 0), nowNanos);
                    }
                }
                default -> {
                }
            }
        }
        for (Map.Entry<Transport, ByteArrayOutputStream> e : out.entrySet()) {
            byte[] compound = e.getValue().toByteArray();
            routed |= e.getKey().sendRtcp(PacketBuffer.copyOf(compound, 0, compound.length));
        }
        return routed;
    }

    /**
     * The report blocks of an SR or RR about streams the participant receives echo the server's own sender reports
     * on them (LSR, DLSR): each gives its consumer a round-trip time (RFC 3550 §6.4.1, RoundTripTime). Read in
     * place; a block about any other SSRC is ignored.
     */
    private static void measureRoundTrips(SessionStreams from, byte[] b, int offset, int length, long nowNanos) {
        int at = ReceiverReport.reportBlocksAt(b, offset, length);
        if (at < 0) {
            return;
        }
        for (int i = RtcpHeader.countOrFmt(b, offset); i > 0; i--, at += ReceiverReport.ReportBlock.LENGTH) {
            long ssrc = ReceiverReport.blockSsrc(b, at);
            Consumer c = from.consumerBySsrc(ssrc);
            if (c != null && c.ssrc() == ssrc) {
                c.onReportBlock(ReceiverReport.blockLastSr(b, at), ReceiverReport.blockDelaySinceLastSr(b, at),
                        nowNanos);
            }
        }
    }

    /** A receiver's NACK is answered by its consumer from the server's cache, not passed on to the sender. */
    private static boolean retransmit(SessionStreams from, long mediaSsrc, byte[] b, int offset, int length,
                                      long nowNanos) {
        Consumer c = from.consumerBySsrc(mediaSsrc);
        if (c == null || c.ssrc() != mediaSsrc) {
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
            c.retransmit(lost, n, nowNanos);
        }
        return n > 0;
    }

    /**
     * Only for a stream the participant receives, and that flows: its PLI or FIR cannot reach any other sender, and
     * a paused stream needs no keyframe until it resumes.
     */
    private static boolean requestKeyframe(SessionStreams from, long mediaSsrc, long nowNanos) {
        Consumer c = from.consumerBySsrc(mediaSsrc);
        if (c == null || c.ssrc() != mediaSsrc || !c.isActive() || c.isPaused()) {
            return false;
        }
        c.requestKeyframe(nowNanos);
        return true;
    }
}
