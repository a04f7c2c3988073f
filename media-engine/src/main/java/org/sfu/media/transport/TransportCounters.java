package org.sfu.media.transport;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Named packet counters of one transport: every packet received, sent, and every reason one was dropped. */
public final class TransportCounters {
    final LongAdder rtpReceived = new LongAdder();
    final LongAdder rtcpReceived = new LongAdder();
    final LongAdder rtpSent = new LongAdder();
    final LongAdder rtcpSent = new LongAdder();
    final LongAdder rtpResent = new LongAdder();
    final LongAdder srtpUnprotectFailed = new LongAdder();
    final LongAdder srtcpUnprotectFailed = new LongAdder();
    final LongAdder srtpProtectFailed = new LongAdder();
    final LongAdder droppedBeforeNegotiation = new LongAdder();
    final LongAdder droppedBeforeKeys = new LongAdder();
    final LongAdder droppedUnknown = new LongAdder();
    final LongAdder sendDroppedNotConnected = new LongAdder();
    final LongAdder sendFailed = new LongAdder();
    final LongAdder droppedSimulatedLoss = new LongAdder();
    final LongAdder droppedProcessingError = new LongAdder();
    final LongAdder iceRestarts = new LongAdder();
    final LongAdder droppedWorkerQueueFull = new LongAdder();
    final LongAdder droppedOversize = new LongAdder();
    /** The participant already had its share of its worker's queue waiting (see PacketWorker.Share). */
    final LongAdder droppedOverShare = new LongAdder();
    /** The path never came up or broke: ICE found no pair or lost it (RFC 8445 §8), or the DTLS handshake failed. */
    final LongAdder iceFailed = new LongAdder();
    final LongAdder dtlsFailed = new LongAdder();

    public long rtpReceived() {
        return rtpReceived.sum();
    }

    public long rtpSent() {
        return rtpSent.sum();
    }

    /** A snapshot with stable metric names, for logs, tests and (later) the metrics endpoint. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("rtp_received", rtpReceived.sum());
        m.put("rtcp_received", rtcpReceived.sum());
        m.put("rtp_sent", rtpSent.sum());
        m.put("rtcp_sent", rtcpSent.sum());
        m.put("rtp_resent", rtpResent.sum());
        m.put("dropped_srtp_unprotect_failed", srtpUnprotectFailed.sum());
        m.put("dropped_srtcp_unprotect_failed", srtcpUnprotectFailed.sum());
        m.put("dropped_srtp_protect_failed", srtpProtectFailed.sum());
        m.put("dropped_dtls_before_negotiation", droppedBeforeNegotiation.sum());
        m.put("dropped_srtp_before_keys", droppedBeforeKeys.sum());
        m.put("dropped_unknown_protocol", droppedUnknown.sum());
        m.put("dropped_send_not_connected", sendDroppedNotConnected.sum());
        m.put("dropped_send_failed", sendFailed.sum());
        m.put("dropped_simulated_loss", droppedSimulatedLoss.sum());
        m.put("dropped_processing_error", droppedProcessingError.sum());
        m.put("ice_restarts", iceRestarts.sum());
        m.put("dropped_worker_queue_full", droppedWorkerQueueFull.sum());
        m.put("dropped_oversize", droppedOversize.sum());
        m.put("dropped_over_worker_share", droppedOverShare.sum());
        m.put("ice_failed", iceFailed.sum());
        m.put("dtls_failed", dtlsFailed.sum());
        return m;
    }
}
