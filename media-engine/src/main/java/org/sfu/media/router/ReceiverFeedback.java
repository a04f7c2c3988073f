package org.sfu.media.router;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.sfu.media.feedback.TransportCcRecorder;
import org.sfu.media.log.ParticipantLogContext;
import org.sfu.media.rtcp.ReceiverReport;
import org.sfu.media.rtcp.RtcpFeedback;
import org.sfu.media.rtp.RtpHeader;
import org.sfu.media.transport.Transport;
import org.sfu.media.transport.WorkerTicks;
import org.sfu.packet.PacketBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server, as the receiver of everything one participant sends, tells that participant back, on a tick of
 * {@link #INTERVAL_MILLIS}: transport-wide congestion control feedback for every packet that arrived (so the
 * participant's bandwidth estimation can raise its bitrate), NACKs for the gaps the server found (RFC 4585 §6.2.1),
 * and once a second a receiver report on each of its streams (RFC 3550 §6.4.2).
 *
 * <p>The tick is one call in its media worker's pass ({@link WorkerTicks}), not a timer of its own: a participant
 * that sent nothing since the last tick costs a few reads and no allocation, except for the receiver report once a
 * second.
 *
 * <p>Threads: {@link #onPacket} runs on the network thread, the tick on the media timer; the recorder between them
 * is guarded by its own lock, uncontended almost always.
 */
final class ReceiverFeedback {
    /** Transport feedback every 50 ms keeps Chromium's start-up probing intact (100 ms did not). */
    static final long INTERVAL_MILLIS = WorkerTicks.TICK_MILLIS;
    /** A receiver report a second (RFC 3550 §6.2 leaves the interval to the bandwidth; 1 s is what browsers do). */
    static final int REPORT_EVERY_TICKS = 20;

    private static final Logger LOG = LoggerFactory.getLogger(ReceiverFeedback.class);

    private final String participantId;
    private final Transport transport;
    private final long localSsrc;
    /** Entered only when a tick fails and is logged. */
    private volatile ParticipantLogContext logContext;
    private final Supplier<List<Producer>> producers;
    private final TransportCcRecorder transportCc = new TransportCcRecorder();
    private final LongAdder nacksSent = new LongAdder();
    private final LongAdder rembsSent = new LongAdder();
    private final int[] lost = new int[64];
    // Guarded by this: the tick's place in its worker's pass, once started; whether it was stopped.
    private WorkerTicks.Registration timer;
    private boolean stopped;
    /** Only touched by the timer thread. */
    private long ticks;

    ReceiverFeedback(String participantId, Transport transport, long localSsrc,
                     Supplier<List<Producer>> producers) {
        this.participantId = participantId;
        this.transport = transport;
        this.localSsrc = localSsrc;
        this.producers = producers;
        this.logContext = new ParticipantLogContext(null, participantId);
    }

    void logContext(ParticipantLogContext context) {
        logContext = context;
    }

    /** Records a packet's transport-wide sequence number (extension {@code extensionId}) and arrival. */
    void onPacket(RtpHeader header, int extensionId, long arrivalNanos) {
        int sequence = header.extensionU16(extensionId);
        if (sequence < 0) {
            return;
        }
        synchronized (transportCc) {
            transportCc.onPacket(sequence, arrivalNanos);
        }
    }

    /** Starts the tick, every pass of {@code ticks}; idempotent, and nothing once stopped. */
    synchronized void start(WorkerTicks ticks) {
        if (timer == null && !stopped) {
            timer = ticks.every(1, this::tick);
        }
    }

    synchronized void stop() {
        stopped = true;
        if (timer != null) {
            timer.cancel();
        }
    }

    void report(java.util.function.BiConsumer<String, Long> counter) {
        counter.accept("peer_nacks_sent", nacksSent.sum());
        counter.accept("peer_remb_sent", rembsSent.sum());
        long recorded;
        long built;
        synchronized (transportCc) {
            recorded = transportCc.packetsRecorded();
            built = transportCc.feedbackPacketsBuilt();
        }
        counter.accept("peer_transport_cc_packets_recorded", recorded);
        counter.accept("peer_transport_cc_feedback_sent", built);
    }

    private void tick() {
        if (!transport.isConnected()) {
            return;
        }
        try {
            List<Producer> current = producers.get();
            sendNacks(current);
            if (++ticks % REPORT_EVERY_TICKS == 0) {
                sendReceiverReport(current);
            }
            // The senders' bitrate limits (REMB): as often as the receivers' allocations run.
            if (ticks % BandwidthAllocation.INTERVAL_TICKS == 0) {
                sendBitrateLimits(current);
            }
            sendTransportFeedback(current);
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again: log, and keep the participant's feedback going.
            try (ParticipantLogContext.Scope ignored = logContext.enter()) {
                LOG.error("Participant {}: feedback tick failed", participantId, e);
            }
        }
    }

    /** REMB toward the sender for each of its videos sent as one stream, when due ({@link SenderBitrateLimit}). */
    private void sendBitrateLimits(List<Producer> current) {
        long now = System.nanoTime();
        for (Producer p : current) {
            SenderBitrateLimit limit = p.bitrateLimit();
            if (limit != null && limit.tick(now)) {
                rembsSent.increment();
            }
        }
    }

    private void sendTransportFeedback(List<Producer> current) {
        long mediaSsrc = -1;
        while (true) {
            byte[] feedback;
            synchronized (transportCc) {
                if (!transportCc.hasPendingFeedback()) {
                    // Nothing arrived since the last feedback: the usual case of a quiet participant, no allocation.
                    return;
                }
                if (mediaSsrc < 0) {
                    mediaSsrc = anySsrc(current);
                }
                feedback = transportCc.buildFeedback(localSsrc, mediaSsrc, System.nanoTime());
            }
            if (feedback == null) {
                return;
            }
            transport.sendRtcp(PacketBuffer.copyOf(feedback, 0, feedback.length));
        }
    }

    /** The media source field is unused by transport-wide feedback; any of the participant's SSRCs will do. */
    private static long anySsrc(List<Producer> current) {
        for (int i = 0; i < current.size(); i++) {
            Producer p = current.get(i);
            if (p.ssrc() >= 0) {
                return p.ssrc();
            }
        }
        return 0;
    }

    private void sendNacks(List<Producer> current) {
        long now = System.nanoTime();
        // Indexed: the tick of a quiet participant allocates nothing, not even an iterator.
        for (int i = 0; i < current.size(); i++) {
            Producer p = current.get(i);
            // Per stream: each simulcast layer has its own SSRC and sequence numbers.
            for (int layer = 0; layer < p.layerCount(); layer++) {
                int n = p.lossesDue(layer, now, lost);
                long ssrc = p.layerSsrc(layer);
                if (n > 0 && ssrc >= 0) {
                    byte[] nack = RtcpFeedback.nack(localSsrc, ssrc, Arrays.copyOf(lost, n));
                    if (transport.sendRtcp(PacketBuffer.copyOf(nack, 0, nack.length))) {
                        nacksSent.increment();
                    }
                }
            }
        }
    }

    /**
     * The server is the receiver of the participant's streams, so their loss, jitter and round trip are measured
     * here; the other participants' own reports stop at the server (RtcpRouting).
     */
    private void sendReceiverReport(List<Producer> current) {
        long now = System.nanoTime();
        List<ReceiverReport.ReportBlock> blocks = new ArrayList<>();
        for (Producer p : current) {
            for (int layer = 0; layer < p.layerCount(); layer++) {
                ReceiverReport.ReportBlock block = p.reportBlock(layer, now);
                if (block != null && blocks.size() < 31) {
                    blocks.add(block);
                }
            }
        }
        if (!blocks.isEmpty()) {
            byte[] rr = ReceiverReport.build(localSsrc, blocks);
            transport.sendRtcp(PacketBuffer.copyOf(rr, 0, rr.length));
        }
    }
}
