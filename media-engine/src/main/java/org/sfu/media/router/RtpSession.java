package org.sfu.media.router;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.media.feedback.DominantSpeaker;
import org.sfu.media.log.ParticipantLogContext;
import org.sfu.media.rtp.AudioLevel;
import org.sfu.media.rtp.HeaderExtensions;
import org.sfu.media.rtp.RtpHeader;
import org.sfu.media.transport.Transport;
import org.sfu.packet.PacketBuffer;
import org.sfu.packet.SsrcTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant's RTP session as the packet path sees it (RFC 3550 §3): the streams of its one bundled transport
 * by the SSRCs of that session, and what arrives on it. RTP goes to the producer of its SSRC (RTX unwrapped first),
 * with its transport-wide sequence number recorded for feedback and its audio level given to the room's dominant
 * speaker; RTCP goes to {@link RtcpRouting}, which finds streams here.
 *
 * <p>Threads: {@link #onRtp} and {@link #onRtcp} run on the participant's media worker and take no lock but this
 * session's own, and only to bind an unsignalled SSRC. They read immutable tables that the participant's control side
 * ({@link Peer}, under its own lock) replaces whole through the {@code publish} methods. Nothing here calls back into
 * negotiation or signaling: binding an unsignalled SSRC changes only this session's table, because every consumer
 * already has SSRCs of its receiver's own.
 */
final class RtpSession implements SessionStreams {
    private static final Logger LOG = LoggerFactory.getLogger(RtpSession.class);

    private final String participantId;
    private final DominantSpeaker speakers;
    /** What the server tells this participant about what it sends: transport-cc feedback, NACKs, reports. */
    private final ReceiverFeedback feedback;
    private final LongAdder rtpUnknownSsrc = new LongAdder();
    private final LongAdder rtpInvalid = new LongAdder();
    private final LongAdder rtcpDropped = new LongAdder();
    private final LongAdder rtxDropped = new LongAdder();
    /** The header of the packet being handled, read once for every stage; the media worker's only. */
    private final RtpHeader header = new RtpHeader();

    private volatile int transportCcExtensionId = -1;
    private volatile int audioLevelExtensionId = -1;
    /** The ids of the mid, rid and repaired rid extensions (RFC 8843, RFC 8852), which bind simulcast layers. */
    private volatile int midExtensionId = -1;
    private volatile int ridExtensionId = -1;
    private volatile int repairedRidExtensionId = -1;
    /** Every producer of the participant, each once. */
    private volatile List<Producer> producers = List.of();
    /** SSRC (and RTX SSRC) → producer; built whole and never changed after publication. Unboxed: read per packet. */
    private volatile SsrcTable<Producer> producersBySsrc = new SsrcTable<>();
    /** The producers whose SSRC is known, each once: what the feedback tick reports on. */
    private volatile List<Producer> producersWithSsrc = List.of();
    private volatile List<Producer> producersWithoutSsrc = List.of();
    /** The consumers the participant receives, by their SSRCs in its session (media and RTX). */
    private volatile SsrcTable<Consumer> consumersBySsrc = new SsrcTable<>();
    /** Entered only where a line is logged (a stream learnt), never per packet. */
    private volatile ParticipantLogContext logContext;
    /** The same consumers, each once, in the order the participant got them: what its allocation divides among. */
    private volatile List<Consumer> consumers = List.of();
    private final DownlinkEstimate downlink;

    /**
     * @param transport    the participant's transport, for the feedback the server sends it
     * @param feedbackSsrc the SSRC the server puts in its own RTCP toward the participant
     * @param speakers     the room's dominant speaker detector, fed with this participant's audio levels
     */
    RtpSession(String participantId, Transport transport, long feedbackSsrc, DominantSpeaker speakers) {
        this(participantId, transport, feedbackSsrc, speakers, null);
    }

    /** @param downlink what the server sends the participant, numbered for its transport-cc feedback; null: none */
    RtpSession(String participantId, Transport transport, long feedbackSsrc, DominantSpeaker speakers,
               DownlinkEstimate downlink) {
        this.participantId = participantId;
        this.downlink = downlink;
        this.speakers = speakers;
        this.feedback = new ReceiverFeedback(participantId, transport, feedbackSsrc, this::producersWithSsrc);
        this.logContext = new ParticipantLogContext(null, participantId);
    }

    /** The room and client id on this session's log lines (and its feedback's), once the participant is in a room. */
    void logContext(ParticipantLogContext context) {
        logContext = context;
        feedback.logContext(context);
    }

    ReceiverFeedback feedback() {
        return feedback;
    }

    /** The header extension ids the packet path reads, as the participant's last exchange settled them (RFC 8285). */
    void publishExtensionIds(int transportCcId, int audioLevelId) {
        transportCcExtensionId = transportCcId;
        audioLevelExtensionId = audioLevelId;
    }

    /** The ids of the extensions that bind simulcast layers' packets before their SSRCs are known; -1: none. */
    void publishStreamIdExtensionIds(int midId, int ridId, int repairedRidId) {
        midExtensionId = midId;
        ridExtensionId = ridId;
        repairedRidExtensionId = repairedRidId;
    }

    /** The participant's producers now; replaces the tables whole. */
    synchronized void publishProducers(Collection<Producer> producers) {
        SsrcTable<Producer> bySsrc = new SsrcTable<>(producers.size() * 2);
        List<Producer> known = new ArrayList<>();
        List<Producer> unknown = new ArrayList<>();
        for (Producer p : producers) {
            // Every stream of it: the track, or each simulcast layer, and their RTX.
            for (int layer = 0; layer < p.layerCount(); layer++) {
                long ssrc = p.layerSsrc(layer);
                if (ssrc >= 0) {
                    bySsrc.put(ssrc, p);
                    long rtx = p.layerRtxSsrc(layer);
                    if (rtx >= 0) {
                        bySsrc.put(rtx, p);
                    }
                }
            }
            if (p.ssrc() >= 0) {
                known.add(p);
            }
            if (p.hasUnknownSsrc() || (p.isSimulcast() && p.hasUnknownRtxSsrc())) {
                unknown.add(p);
            }
        }
        producersBySsrc = bySsrc;
        producersWithSsrc = List.copyOf(known);
        producersWithoutSsrc = List.copyOf(unknown);
        this.producers = List.copyOf(producers);
    }

    /** The consumers the participant receives now; replaces the table whole. */
    void publishConsumers(Collection<Consumer> consumers) {
        SsrcTable<Consumer> bySsrc = new SsrcTable<>(consumers.size() * 2);
        for (Consumer c : consumers) {
            bySsrc.put(c.ssrc(), c);
            if (c.rtxSsrc() >= 0) {
                bySsrc.put(c.rtxSsrc(), c);
            }
        }
        consumersBySsrc = bySsrc;
        this.consumers = List.copyOf(consumers);
    }

    /** The consumers the participant receives now, each once. */
    List<Consumer> consumers() {
        return consumers;
    }

    @Override
    public DownlinkEstimate downlink() {
        return downlink;
    }

    /** An unprotected RTP packet from the participant, lent for the call (see {@code WebRtcTransport.Listener}). */
    void onRtp(PacketBuffer packet, long arrivalNanos) {
        RtpHeader header = this.header;
        if (!header.read(packet)) {
            // The transport lets only valid RTP through (RFC 3550 §A.1); another caller may not.
            rtpInvalid.increment();
            return;
        }
        int transportCcId = transportCcExtensionId;
        if (transportCcId > 0) {
            feedback.onPacket(header, transportCcId, arrivalNanos);
        }
        long ssrc = header.ssrc();
        Producer producer = producersBySsrc.get(ssrc);
        if (producer == null) {
            producer = bindUnsignalledSsrc(ssrc, header);
            if (producer == null) {
                rtpUnknownSsrc.increment();
                return;
            }
        }
        int levelId = audioLevelExtensionId;
        if (levelId > 0 && producer.isAudio()) {
            int level = AudioLevel.level(header, levelId);
            if (level >= 0) {
                speakers.onLevel(participantId, level, arrivalNanos);
            }
        }
        int layer = producer.layerOf(ssrc);
        boolean repaired = false;
        if (layer < 0) {
            layer = producer.layerOfRtx(ssrc);
            repaired = true;
            if (layer < 0) {
                rtpUnknownSsrc.increment();
                return;
            }
        }
        if (repaired && !(producer.unwrapRtx(packet, header.payloadType(), layer) && header.read(packet))) {
            rtxDropped.increment();
            return;
        }
        producer.onRtp(packet, header, layer, repaired, arrivalNanos);
    }

    /**
     * A participant that announces no SSRC (allowed: RFC 8829 does not require a=ssrc) is matched to its producer by
     * payload type on the first packet. Only this session's table changes: the producer's consumers already exist.
     */
    private synchronized Producer bindUnsignalledSsrc(long ssrc, RtpHeader header) {
        Producer p = producersBySsrc.get(ssrc);
        if (p != null) {
            // Bound by an earlier packet while this one waited for the lock.
            return p;
        }
        Producer layered = bindSimulcastLayer(ssrc, header);
        if (layered != null) {
            return layered;
        }
        int payloadType = header.payloadType();
        for (Producer candidate : producersWithoutSsrc) {
            if (!candidate.isSimulcast() && candidate.ssrc() < 0
                    && candidate.codecs().stream().anyMatch(c -> c.payloadType() == payloadType)) {
                candidate.learnSsrc(ssrc);
                publishProducers(producers);
                try (ParticipantLogContext.Scope ignored = logContext.enter()) {
                    LOG.info("Participant {}: learned ssrc {} for mid {}", participantId, ssrc, candidate.mid());
                }
                return candidate;
            }
        }
        return null;
    }

    /**
     * Simulcast layers signalled by rid carry no SSRC in the description: the first packets of each layer say their
     * m-line (mid, RFC 8843 §15.1) and their layer (rtp-stream-id, RFC 8852 §3.1), or for RTX the layer they repair
     * (repaired-rtp-stream-id, §3.2). Only this session's table changes: the consumers forward layers by index.
     */
    private Producer bindSimulcastLayer(long ssrc, RtpHeader header) {
        int midId = midExtensionId;
        int ridId = ridExtensionId;
        int repairedId = repairedRidExtensionId;
        if (ridId <= 0 && repairedId <= 0) {
            return null;
        }
        for (Producer p : producersWithoutSsrc) {
            if (!p.isSimulcast() || (midId > 0 && header.findExtension(midId) != HeaderExtensions.NOT_FOUND
                    && !header.extensionEquals(midId, p.mid()))) {
                continue;
            }
            for (int layer = 0; layer < p.layerCount(); layer++) {
                String rid = p.layerRid(layer);
                if (rid == null) {
                    continue;
                }
                boolean media = ridId > 0 && header.extensionEquals(ridId, rid);
                boolean repair = !media && repairedId > 0 && header.extensionEquals(repairedId, rid);
                if (media && p.layerSsrc(layer) < 0 || repair && p.layerRtxSsrc(layer) < 0) {
                    p.learnLayerSsrc(layer, ssrc, repair);
                    publishProducers(producers);
                    try (ParticipantLogContext.Scope ignored = logContext.enter()) {
                        LOG.info("Participant {}: learned {}ssrc {} for mid {} rid {}", participantId,
                                repair ? "rtx " : "", ssrc, p.mid(), rid);
                    }
                    return p;
                }
            }
        }
        return null;
    }

    /** An unprotected RTCP compound packet from the participant. */
    void onRtcp(PacketBuffer packet) {
        if (!RtcpRouting.route(this, packet, System.nanoTime())) {
            rtcpDropped.increment();
        }
    }

    @Override
    public Producer producerBySsrc(long ssrc) {
        return producersBySsrc.get(ssrc);
    }

    @Override
    public Consumer consumerBySsrc(long ssrc) {
        return consumersBySsrc.get(ssrc);
    }

    /** Every producer of the participant whose SSRC is known, each once. */
    private List<Producer> producersWithSsrc() {
        return producersWithSsrc;
    }

    /** Forgets every stream: nothing more is routed. */
    synchronized void clear() {
        feedback.stop();
        publishProducers(List.of());
        publishConsumers(List.of());
    }

    /** Reports the session's counters, and its feedback's, by name. */
    void report(java.util.function.BiConsumer<String, Long> counter) {
        counter.accept("peer_rtp_unknown_ssrc", rtpUnknownSsrc.sum());
        counter.accept("peer_rtp_invalid", rtpInvalid.sum());
        counter.accept("peer_rtcp_not_routed", rtcpDropped.sum());
        counter.accept("peer_rtx_dropped", rtxDropped.sum());
        feedback.report(counter);
    }
}
