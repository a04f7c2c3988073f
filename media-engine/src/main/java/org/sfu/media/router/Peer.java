package org.sfu.media.router;

import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.sfu.ice.IceCandidate;
import org.sfu.media.counters.CounterRegistry;
import org.sfu.media.counters.Latencies;
import org.sfu.media.log.ParticipantLogContext;
import org.sfu.media.negotiation.DownstreamTrack;
import org.sfu.media.negotiation.LocalTransportParameters;
import org.sfu.media.negotiation.NegotiationException;
import org.sfu.media.negotiation.Negotiator;
import org.sfu.media.negotiation.RemoteTransportParameters;
import org.sfu.media.negotiation.SupportedCodecs;
import org.sfu.media.negotiation.UpstreamTrack;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.transport.ConsentFreshness;
import org.sfu.media.transport.WebRtcTransport;
import org.sfu.media.transport.WorkerTicks;
import org.sfu.packet.PacketBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant in a router, its control side: its half of the offer/answer exchange, the tracks it sends
 * (producers), and the lifecycle of its transport. The copies of other participants' tracks it receives, as the
 * router subscribes it, are its {@link ReceivedStreams}. What arrives from the participant is the data plane's: its {@link RtpSession}, which this class
 * feeds with tables of its streams; consent is {@link ConsentFreshness}'s.
 *
 * <p>Threads: signaling calls ({@link #onOffer}, {@link #onAnswer}, {@link #onCandidate}) and router updates are
 * serialised by this object's lock; a peer never holds its lock while calling into another peer, so two peers can
 * renegotiate at once without deadlock. The packet path never takes this lock: the media worker runs the session,
 * which reads immutable tables published to it.
 *
 * <p>Offer collisions (RFC 8829 §4.1.8, "glare"): the server does not withdraw a fresh offer of its own for a
 * client's. A client offer that arrives while the server's offer is outstanding is held: a browser that receives the
 * server's offer in have-local-offer rolls its own back and answers (implicit rollback), and then the held offer is
 * dropped. If the server's offer stays unanswered for {@link #GLARE_TIMEOUT_MILLIS}, the server withdraws it and
 * answers the held offer instead, so a client that cannot roll back is not stuck; a client offer that arrives when the
 * server's has already waited that long is answered at once.
 *
 * <p>An offer that is never answered (a peer that refused it without saying so, or lost it) would leave the session
 * in have-local-offer for ever, and the participant would never see anyone who joins later. After the context's
 * answer timeout the server logs it and tells the participant ({@code answer-timeout}); the offer stays outstanding, so
 * a late answer still completes it, until the next change of what the participant should receive replaces it with a
 * new offer.
 */
public final class Peer {
    static final long GLARE_TIMEOUT_MILLIS = 4000;

    private static final Logger LOG = LoggerFactory.getLogger(Peer.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String id;
    /** The room and client id of this participant's log lines, whichever thread writes them. */
    private final ParticipantLogContext logContext;
    private final Grants grants;
    private final Router router;
    private final PeerSignaling signaling;
    private final WebRtcTransport transport;
    private final Negotiator negotiator;
    private final ScheduledExecutorService scheduler;
    private final long localSsrc;
    private final long joinedAtNanos = System.nanoTime();
    private final long offerDelayNanos;
    private final long answerTimeoutMillis;
    private final ConsentFreshness consent;
    /** Where this participant's periodic work runs: its media worker's pass, shared with the others on it. */
    private final WorkerTicks ticks;
    /** What the participant receives: its consumers of other participants' tracks. */
    private final ReceivedStreams received;
    /** The data plane of this participant: its streams by SSRC, and what arrives from it. */
    private final RtpSession session;
    /** The path from the server to this participant: what it carries, from the participant's transport-cc feedback. */
    private final DownlinkEstimate downlink;
    /** Divides that estimate among what the participant receives (the simulcast layers it gets). */
    private final BandwidthAllocation allocation;
    /** Sends the estimator's probe padding. */
    private final ProbePadding probes;
    /** A run of {@link #probes} is scheduled: at most one at a time. */
    private final java.util.concurrent.atomic.AtomicBoolean probing = new java.util.concurrent.atomic.AtomicBoolean();
    /** The allocation's timer, from the transport's connection until the participant leaves. Guarded by this. */
    private WorkerTicks.Registration allocationTimer;
    private final CounterRegistry counters;
    /** This participant's stages in the registry: transport, session and consent; then one per producer or consumer. */
    private final List<CounterRegistry.Registration> ownCounters;
    private final Map<Object, CounterRegistry.Registration> streamCounters = new java.util.HashMap<>();
    /** Told of this participant's tracks as they come and go (under this object's lock, so in order). */
    private final RoomEvents roomEvents;

    // Guarded by this.
    private final Map<String, Producer> producersByMid = new LinkedHashMap<>();
    private String heldOffer;
    /** The header extension ids the participant sends under, by URI, as the last completed exchange settled them. */
    private Map<String, Integer> upstreamExtensionIds = Map.of();
    private boolean candidatesSent;
    private boolean offerScheduled;
    private boolean closed;
    /** Counts the server's offers, so that a timer knows whether the offer it was set for is still the one out. */
    private long offerNumber;
    private long offerSentAtNanos;
    /** The outstanding offer went unanswered past the answer timeout: the next change replaces it. */
    private boolean offerOverdue;
    /**
     * The timers of the outstanding offer, cancelled once it is settled (answered, replaced) and at close: each holds
     * this participant, and with it its transport, caches and estimator, until it fires, so uncancelled they kept up to
     * 10 s of departed participants reachable (about 200 KiB each, most of it the estimator's send history; the churn
     * soak's heap check found them).
     */
    private java.util.concurrent.ScheduledFuture<?> offerTimeout;
    private java.util.concurrent.ScheduledFuture<?> answerTimeout;
    /** What receivers want of each simulcast track with rids, by mid, told to the participant (guarded by this). */
    private final Map<String, LayerDemand> layerDemands = new LinkedHashMap<>();
    private WorkerTicks.Registration layerDemandTimer;

    Peer(String id, Grants grants, Router router, PeerSignaling signaling, MediaContext context) {
        this.id = id;
        this.grants = grants;
        this.router = router;
        this.signaling = signaling;
        this.scheduler = context.scheduler();
        this.offerDelayNanos = TimeUnit.MILLISECONDS.toNanos(context.firstOfferDelayMillis());
        this.localSsrc = RANDOM.nextInt() & 0xffffffffL;
        this.transport = new WebRtcTransport(id, context.iceEndpoint(), context.certificate(),
                context.handshakeExecutor(), context.workers(), context.simulatedLoss(), new TransportListener());
        this.logContext = new ParticipantLogContext(router.id(), id);
        transport.logContext(logContext);
        this.downlink = new DownlinkEstimate(id);
        this.session = new RtpSession(id, transport, localSsrc, router.speakers(), downlink);
        session.logContext(logContext);
        this.allocation = new BandwidthAllocation(downlink, session::consumers,
                () -> router.speakers().current().orElse(null),
                (c, paused) -> signaling.videoPaused(c.producer().ownerId(), c.producer().mid(), paused));
        this.probes = new ProbePadding(downlink, session::consumers);
        this.negotiator = new Negotiator(localTransportParameters(), this::restartIce);
        this.received = new ReceivedStreams(id, transport, localSsrc, session, negotiator,
                new KeyframeRetries(scheduler, transport, this::isClosed), new ReceivedStreams.StreamRegistry() {
                    @Override
                    public void added(Consumer c) {
                        registerStream(c, "consumer", c.id(), c.producer().kind().sdpName(), c::report);
                    }

                    @Override
                    public void removed(Consumer c) {
                        unregisterStream(c);
                    }
                });
        this.answerTimeoutMillis = context.answerTimeoutMillis();
        // Without workers (tests, benchmarks) the participant has a pass of its own on the timer.
        this.ticks = transport.workerTicks() != null ? transport.workerTicks() : new WorkerTicks(id, scheduler);
        this.consent = new ConsentFreshness(id, transport, context.consentTimeoutMillis(),
                context.mediaStartTimeoutMillis(), ticks);
        this.counters = context.counters();
        this.roomEvents = context.roomEvents();
        this.ownCounters = List.of(
                counters.register(labels("transport"), out -> {
                    transport.counters().snapshot().forEach(out);
                    // What ICE drops on the validated path (not DTLS, RTP or RTCP) counts against this participant.
                    transport.iceCounters().forEach(out);
                }),
                counters.register(labels("session"), out -> {
                    session.report(out);
                    allocation.report(out);
                    probes.report(out);
                }),
                counters.register(labels("consent"), out -> {
                    out.accept("peer_consent_expired", consent.expired());
                    out.accept("peer_media_never_started", consent.neverStarted());
                }));
    }

    /** The labels of one of this participant's stages in the counter registry. */
    private Map<String, String> labels(String stage) {
        return Map.of("room", router.id(), "participant", id, "stage", stage);
    }

    /** Must hold the lock. Registers a producer's or consumer's counters, labelled with its stream. */
    private void registerStream(Object stream, String stage, String streamId, String kind,
                                CounterRegistry.Source source) {
        Map<String, String> labels = new java.util.HashMap<>(labels(stage));
        labels.put("stream", streamId);
        labels.put("kind", kind);
        streamCounters.put(stream, counters.register(labels, source));
    }

    /** Must hold the lock. The stream is gone: so are its counters. */
    private void unregisterStream(Object stream) {
        CounterRegistry.Registration r = streamCounters.remove(stream);
        if (r != null) {
            r.close();
        }
    }

    private LocalTransportParameters localTransportParameters() {
        return new LocalTransportParameters(transport.localUfrag(), transport.localPassword(),
                transport.localFingerprint(), transport.localCandidates());
    }

    /** The participant's offer restarts ICE (its network changed): new agent, new credentials for the answer. */
    private LocalTransportParameters restartIce(RemoteTransportParameters remote) throws NegotiationException {
        try {
            transport.restartIce(remote.iceUfrag(), remote.icePassword());
        } catch (IllegalArgumentException e) {
            throw new NegotiationException(e.getMessage(), e);
        }
        return localTransportParameters();
    }

    public String id() {
        return id;
    }

    public Router router() {
        return router;
    }

    /** What this participant may do in its room, and who it is. */
    public Grants grants() {
        return grants;
    }

    public WebRtcTransport transport() {
        return transport;
    }

    PeerSignaling signaling() {
        return signaling;
    }

    /** The SSRC the server puts in its own RTCP toward this participant. */
    long localSsrc() {
        return localSsrc;
    }

    public synchronized List<Producer> producers() {
        return List.copyOf(producersByMid.values());
    }

    public synchronized List<Consumer> consumers() {
        return received.list();
    }

    /** The participant's offer: answer it (or hold it, see the class comment on collisions). */
    public void onOffer(String sdp) {
        boolean producersChanged;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (negotiator.hasLocalOffer()) {
                if (System.nanoTime() - offerSentAtNanos < TimeUnit.MILLISECONDS.toNanos(GLARE_TIMEOUT_MILLIS)) {
                    LOG.info("Participant {}: offer collided with the server's; holding it", id);
                    heldOffer = sdp;
                    return;
                }
                // The server's offer has waited longer than a collision takes to resolve: the participant is not
                // answering it, so its own offer is answered instead.
                LOG.info("Participant {}: the server's offer went unanswered; answering the participant's offer", id);
                negotiator.rollback();
            }
            producersChanged = applyOffer(sdp);
        }
        afterNegotiation(producersChanged);
    }

    /** Must hold the lock. Returns whether the set of producers changed. */
    private boolean applyOffer(String sdp) {
        Negotiator.Result result;
        try {
            result = negotiator.receiveOffer(sdp, received.downstreamTracks());
        } catch (NegotiationException e) {
            LOG.info("Participant {}: offer refused: {}", id, e.getMessage());
            signaling.sendError("bad-offer", e.getMessage());
            return false;
        }
        applyIceRole();
        signaling.sendAnswer(result.answerSdp());
        publishExtensionIds();
        startTransport(result.transport());
        sendCandidatesOnce();
        received.activateNegotiated();
        return reconcileProducers(result.upstream());
    }

    /** The participant's answer to the server's offer. */
    public void onAnswer(String sdp) {
        boolean producersChanged;
        synchronized (this) {
            if (closed) {
                return;
            }
            Negotiator.Result result;
            try {
                result = negotiator.receiveAnswer(sdp);
            } catch (NegotiationException e) {
                LOG.info("Participant {}: answer refused: {}", id, e.getMessage());
                signaling.sendError("bad-answer", e.getMessage());
                if (negotiator.hasLocalOffer()) {
                    // Stay usable: forget the offer so that the next change makes a fresh one.
                    negotiator.rollback();
                }
                return;
            }
            // The client answered the server's offer, so it rolled back any offer of its own that collided.
            heldOffer = null;
            cancelOfferTimers();
            publishExtensionIds();
            startTransport(result.transport());
            sendCandidatesOnce();
            received.activateNegotiated();
            producersChanged = reconcileProducers(result.upstream());
        }
        afterNegotiation(producersChanged);
    }

    /** A trickled remote candidate; an empty one means end-of-candidates (RFC 8838 §4). */
    public void onCandidate(String candidate) {
        if (candidate == null || candidate.isBlank()) {
            return;
        }
        IceCandidate parsed;
        try {
            parsed = IceCandidate.parse(candidate);
        } catch (IllegalArgumentException e) {
            signaling.sendError("bad-candidate", e.getMessage());
            return;
        }
        if (!transport.addRemoteCandidate(parsed)) {
            LOG.debug("Participant {}: candidate ignored: {}", id, candidate);
        }
    }

    private void afterNegotiation(boolean producersChanged) {
        if (producersChanged) {
            router.producersChanged();
        }
        maybeOffer();
    }

    /** Must hold the lock. The header extension ids the packet path reads, as the last exchange settled them. */
    private void publishExtensionIds() {
        upstreamExtensionIds = negotiator.upstreamExtensionIds();
        session.publishExtensionIds(upstreamExtensionIds.getOrDefault(SupportedCodecs.TRANSPORT_CC_URI, -1),
                upstreamExtensionIds.getOrDefault(SupportedCodecs.AUDIO_LEVEL_URI, -1));
        session.publishStreamIdExtensionIds(upstreamExtensionIds.getOrDefault(SupportedCodecs.MID_URI, -1),
                upstreamExtensionIds.getOrDefault(SupportedCodecs.RTP_STREAM_ID_URI, -1),
                upstreamExtensionIds.getOrDefault(SupportedCodecs.REPAIRED_RTP_STREAM_ID_URI, -1));
        for (Producer p : producersByMid.values()) {
            p.setExtensionIds(upstreamExtensionIds);
        }
    }

    private void startTransport(RemoteTransportParameters remote) {
        if (!transport.isStarted()) {
            transport.start(remote.iceUfrag(), remote.icePassword(), remote.fingerprint(), remote.localDtlsRole());
        }
        for (String candidate : remote.candidates()) {
            try {
                transport.addRemoteCandidate(IceCandidate.parse(candidate));
            } catch (IllegalArgumentException e) {
                LOG.debug("Participant {}: unusable candidate in its description: {}", id, candidate);
            }
        }
    }

    private void sendCandidatesOnce() {
        if (candidatesSent) {
            return;
        }
        String mid = negotiator.bundleTag();
        if (mid == null) {
            return;
        }
        candidatesSent = true;
        int index = negotiator.indexOf(mid);
        for (IceCandidate c : transport.localCandidates()) {
            signaling.sendCandidate(c.toSdpValue(), mid, index);
        }
    }

    /** Must hold the lock. Creates, keeps or removes producers to match what the participant now sends. */
    private boolean reconcileProducers(List<UpstreamTrack> upstream) {
        Map<String, Producer> next = new LinkedHashMap<>();
        boolean changed = false;
        for (UpstreamTrack track : upstream) {
            Producer existing = producersByMid.get(track.mid());
            List<Producer.Layer> layers = track.layers().stream()
                    .map(l -> new Producer.Layer(l.rid(), l.ssrc(), l.rtxSsrc())).toList();
            if (existing != null && existing.sameStream(track.ssrc(), track.rtxSsrc(), track.codecs(), layers)) {
                next.put(track.mid(), existing);
                continue;
            }
            Producer producer = new Producer(id + "-" + track.mid(), id, transport, localSsrc,
                    MediaKind.fromSdp(track.kind()), track.mid(), track.ssrc(), track.rtxSsrc(), track.codecs(),
                    layers);
            producer.setExtensionIds(upstreamExtensionIds);
            producer.timeInto(counters.latencies());
            next.put(track.mid(), producer);
            changed = true;
            LOG.info("Participant {}: producing {} on mid {} (ssrc {}{})", id, track.kind(), track.mid(),
                    track.ssrc() < 0 ? "unsignaled" : Long.toString(track.ssrc()),
                    producer.isSimulcast() ? ", " + producer.layerCount() + " simulcast layers" : "");
        }
        for (String mid : producersByMid.keySet()) {
            if (next.get(mid) != producersByMid.get(mid)) {
                changed = true;
            }
        }
        if (changed) {
            for (Producer old : producersByMid.values()) {
                if (!next.containsValue(old)) {
                    unregisterStream(old);
                    roomEvents.trackUnpublished(this, old);
                }
            }
            for (Producer p : next.values()) {
                if (!streamCounters.containsKey(p)) {
                    registerStream(p, "producer", p.id(), p.kind().sdpName(), p::report);
                    roomEvents.trackPublished(this, p);
                }
            }
            producersByMid.clear();
            producersByMid.putAll(next);
            publishProducers();
            Map<String, LayerDemand> demands = new LinkedHashMap<>();
            for (Producer p : producersByMid.values()) {
                if (p.isSimulcast() && p.layerRid(0) != null) {
                    LayerDemand before = layerDemands.get(p.mid());
                    demands.put(p.mid(), before == null ? new LayerDemand(p)
                            : before.track() == p ? before : before.on(p));
                }
            }
            layerDemands.clear();
            layerDemands.putAll(demands);
            if (!layerDemands.isEmpty() && layerDemandTimer == null) {
                // As often as receivers' allocations run.
                layerDemandTimer = ticks.every(BandwidthAllocation.INTERVAL_TICKS,
                        logContext.wrap(this::tellLayerDemand));
            }
        }
        return changed;
    }

    /**
     * Tells the participant which layers of its simulcast tracks some receiver may be sent ({@link LayerDemand}), so
     * that it can stop encoding the others. On its worker's pass; sends only on a change.
     */
    private void tellLayerDemand() {
        List<LayerDemand> demands;
        synchronized (this) {
            if (closed) {
                return;
            }
            demands = new java.util.ArrayList<>(layerDemands.values());
        }
        long now = System.nanoTime();
        for (LayerDemand demand : demands) {
            List<String> rids = demand.tick(now);
            if (rids != null) {
                String mid = demand.track().mid();
                LOG.info("Participant {}: layers wanted of mid {}: {}", id, mid, rids);
                signaling.layersWanted(mid, rids);
            }
        }
    }

    private void publishProducers() {
        session.publishProducers(producersByMid.values());
    }

    /**
     * The router decided what this participant receives (producers, each flowing or paused): bring its consumers in
     * line, and renegotiate if that changes the m-lines.
     */
    void syncConsumers(Map<Producer, SubscriptionPolicy.Subscription> subscriptions) {
        synchronized (this) {
            if (closed) {
                return;
            }
            received.apply(subscriptions);
        }
        maybeOffer();
    }

    /**
     * The participant's maximum frame height for what it receives of another participant's video (the additive
     * {@code video_quality} message): its consumers of that participant's simulcast tracks forward no taller layer
     * when a smaller one flows. Kept for consumers made later. {@code maxHeight <= 0} lifts the limit.
     */
    void setMaxHeight(String ownerId, int maxHeight) {
        synchronized (this) {
            if (!closed) {
                received.setMaxHeight(ownerId, maxHeight);
            }
        }
    }

    /** Sends the server's offer when the m-lines must change and the signaling state allows it. */
    void maybeOffer() {
        // Often on another participant's thread (its new track is what this one is offered).
        try (ParticipantLogContext.Scope ignored = logContext.enter()) {
            maybeOfferHere();
        }
    }

    private void maybeOfferHere() {
        synchronized (this) {
            if (closed) {
                return;
            }
            List<DownstreamTrack> tracks = received.downstreamTracks();
            if (negotiator.hasLocalOffer()) {
                if (!offerOverdue || negotiator.offerCovers(tracks)) {
                    return;
                }
                // What the participant should receive changed since the offer it never answered: offer that.
                LOG.info("Participant {}: withdrawing the unanswered offer for a new one", id);
                negotiator.rollback();
            }
            if (!negotiator.needsOffer(tracks)) {
                return;
            }
            if (!negotiator.isNegotiated()) {
                // Give a participant that is about to offer (the documented caller) the chance to do so first,
                // so that the two offers do not collide.
                long wait = offerDelayNanos - (System.nanoTime() - joinedAtNanos);
                if (wait > 0) {
                    if (!offerScheduled) {
                        offerScheduled = true;
                        scheduler.schedule(() -> {
                            synchronized (this) {
                                offerScheduled = false;
                            }
                            maybeOffer();
                        }, wait, TimeUnit.NANOSECONDS);
                    }
                    return;
                }
            }
            String offer = negotiator.createOffer(tracks);
            int leftOut = negotiator.tracksLeftOut(tracks);
            if (leftOut > 0) {
                LOG.warn("Participant {}: {} of the room's tracks left out of the offer: the session has its maximum "
                        + "of m-lines", id, leftOut);
            }
            // Before the offer leaves: the participant may check as soon as it has it.
            applyIceRole();
            long number = ++offerNumber;
            offerSentAtNanos = System.nanoTime();
            offerOverdue = false;
            signaling.sendOffer(offer, !tracks.isEmpty());
            sendCandidatesOnce();
            cancelOfferTimers();
            offerTimeout = scheduler.schedule(logContext.wrap(() -> onOfferTimeout(number)), GLARE_TIMEOUT_MILLIS,
                    TimeUnit.MILLISECONDS);
            answerTimeout = scheduler.schedule(logContext.wrap(() -> onAnswerTimeout(number)), answerTimeoutMillis,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** Must hold the lock. Starts dividing the participant's downlink among what it receives; idempotent. */
    private void startAllocation() {
        if (allocationTimer != null) {
            return;
        }
        // On the worker's pass, as the feedback and consent are: no task of its own per participant (issue #16).
        allocationTimer = ticks.every(BandwidthAllocation.INTERVAL_TICKS, () -> {
            try {
                allocation.run(System.nanoTime());
            } catch (RuntimeException e) {
                // Logged here with the participant's id; the probes below still go.
                LOG.error("Participant {}: bandwidth allocation failed", id, e);
            }
            if (probing.compareAndSet(false, true)) {
                probe();
            }
        });
    }

    /** Sends the probe padding due; while a cluster lasts, again every few milliseconds. One run at a time. */
    private void probe() {
        boolean again;
        try {
            // A participant that left has no consumers: the run finds nothing to carry padding and stops.
            again = probes.run(System.nanoTime());
        } catch (RuntimeException e) {
            LOG.error("Participant {}: probing failed", id, e);
            again = false;
        }
        if (again) {
            try {
                scheduler.schedule(this::probe, ProbePadding.STEP_MILLIS, TimeUnit.MILLISECONDS);
                return;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // Shutting down.
            }
        }
        probing.set(false);
    }

    /** The participant's downlink estimate in bits per second, or -1 while it has given no transport-cc feedback. */
    public long downlinkEstimateBps() {
        return downlink.hasFeedback() ? downlink.estimateBps() : -1;
    }

    /** Must hold the lock. The ICE role follows who made the first offer; fixed once the transport has started. */
    private void applyIceRole() {
        Boolean controlling = negotiator.iceControlling();
        if (controlling != null) {
            transport.setIceControlling(controlling);
        }
    }

    /** Must hold the lock. The outstanding offer is settled: its timers have nothing left to do. */
    private void cancelOfferTimers() {
        if (offerTimeout != null) {
            offerTimeout.cancel(false);
            offerTimeout = null;
        }
        if (answerTimeout != null) {
            answerTimeout.cancel(false);
            answerTimeout = null;
        }
    }

    /** The participant did not answer the server's offer in time: say so, and let the next change re-offer. */
    private void onAnswerTimeout(long number) {
        synchronized (this) {
            if (closed || number != offerNumber || !negotiator.hasLocalOffer()) {
                return;
            }
            offerOverdue = true;
            LOG.warn("Participant {}: no answer to the server's offer after {} ms; the next change offers again", id,
                    answerTimeoutMillis);
            signaling.sendError("answer-timeout", "no answer to the server's offer after " + answerTimeoutMillis
                    + " ms; it stays open for a late answer until the next change replaces it");
        }
        // A change that came while the offer was out may already be waiting.
        maybeOffer();
    }

    /** True while an offer of the server's waits for the participant's answer (have-local-offer). */
    public synchronized boolean hasLocalOffer() {
        return negotiator.hasLocalOffer();
    }

    /**
     * The server's outstanding offer may never have reached the participant (its signaling connection dropped and was
     * resumed): withdraw it and offer afresh, so that the exchange does not wait for an answer that cannot come.
     * Nothing happens when no offer is outstanding and nothing needs one. The layers wanted of its simulcast tracks
     * are told again too.
     */
    public void renegotiate() {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (negotiator.hasLocalOffer()) {
                negotiator.rollback();
            }
            // Likewise a layers_wanted written into the dying connection.
            layerDemands.values().forEach(LayerDemand::retell);
        }
        maybeOffer();
    }

    private void onOfferTimeout(long number) {
        boolean producersChanged;
        synchronized (this) {
            if (closed || heldOffer == null || number != offerNumber || !negotiator.hasLocalOffer()) {
                return;
            }
            LOG.info("Participant {}: the server's offer went unanswered; answering the held offer instead", id);
            negotiator.rollback();
            String sdp = heldOffer;
            heldOffer = null;
            producersChanged = applyOffer(sdp);
        }
        afterNegotiation(producersChanged);
    }

    /** The participant's streams by the SSRCs of its session (for tests and RTCP routing). */
    SessionStreams streams() {
        return session;
    }

    /**
     * Every counter of this participant's stages under a stable name, summed over its producers and consumers: its
     * transport (received, sent, each drop reason), its session and feedback, what it sends and what it receives.
     * The same counters, labelled per stage and stream, are in the media engine's {@link CounterRegistry}.
     */
    public Map<String, Long> counters() {
        Map<String, Long> totals = new java.util.TreeMap<>();
        for (CounterRegistry.Sample sample : counters.snapshot(
                labels -> id.equals(labels.get("participant")) && router.id().equals(labels.get("room")))) {
            totals.merge(sample.reportedName(), sample.value(), Long::sum);
        }
        return totals;
    }

    /** Leaves the router and frees the transport (ICE agent, DTLS, SRTP). Idempotent. */
    public void close() {
        close(null);
    }

    /**
     * {@link #close()}, saying why the participant leaves (for the room's observers, {@link RoomEvents}); only the
     * first close's reason counts.
     */
    public void close(String reason) {
        try (ParticipantLogContext.Scope ignored = logContext.enter()) {
            closeHere(reason);
        }
    }

    private void closeHere(String reason) {
        synchronized (this) {
            if (closed) {
                return;
            }
            LOG.info("Participant {} leaves; counters {}", id, counters());
            closed = true;
            cancelOfferTimers();
            if (layerDemandTimer != null) {
                layerDemandTimer.cancel();
            }
            layerDemands.clear();
            consent.stop();
            if (allocationTimer != null) {
                allocationTimer.cancel();
            }
            received.clear();
            producersByMid.values().forEach(p -> roomEvents.trackUnpublished(this, p));
            producersByMid.clear();
            session.clear();
            streamCounters.values().forEach(CounterRegistry.Registration::close);
            streamCounters.clear();
            ownCounters.forEach(CounterRegistry.Registration::close);
        }
        transport.close();
        router.remove(this, reason);
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    private final class TransportListener implements WebRtcTransport.Listener {
        @Override
        public void onRtp(PacketBuffer packet, long arrivalNanos) {
            session.onRtp(packet, arrivalNanos);
        }

        @Override
        public void onRtcp(PacketBuffer packet) {
            session.onRtcp(packet);
        }

        @Override
        public void onConnected() {
            Latencies latencies = counters.latencies();
            long ice = transport.iceConnectNanos();
            long dtls = transport.dtlsHandshakeNanos();
            if (ice >= 0 && dtls >= 0) {
                latencies.iceConnect().record(ice);
                latencies.dtlsHandshake().record(dtls);
            }
            synchronized (Peer.this) {
                if (!closed) {
                    session.feedback().start(ticks);
                    startAllocation();
                    received.requestKeyframes();
                }
            }
            // Receivers of this participant's video need a keyframe too, now that its packets can be decrypted.
            for (Producer p : producers()) {
                if (!p.consumers().isEmpty()) {
                    p.requestKeyframe();
                }
            }
        }

        @Override
        public void onFailed(String reason) {
            signaling.close(reason);
        }
    }
}
