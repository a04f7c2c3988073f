package org.sfu.media.router;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.ice.IceCandidate;
import org.sfu.media.negotiation.DownstreamTrack;
import org.sfu.media.negotiation.LocalTransportParameters;
import org.sfu.media.negotiation.NegotiationException;
import org.sfu.media.negotiation.Negotiator;
import org.sfu.media.negotiation.RemoteTransportParameters;
import org.sfu.media.negotiation.SupportedCodecs;
import org.sfu.media.negotiation.UpstreamTrack;
import org.sfu.media.rtp.AudioLevel;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.media.transport.WebRtcTransport;
import org.sfu.srtp.PacketBuffer;
import org.sfu.srtp.SsrcTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant in a router: its transport, its half of the offer/answer exchange, the tracks it sends
 * (producers) and the copies of other participants' tracks it receives (consumers).
 *
 * <p>Threads: signaling calls ({@link #onOffer}, {@link #onAnswer}, {@link #onCandidate}) and router updates are
 * serialised by this object's lock; a peer never holds its lock while calling into another peer, so two peers can
 * renegotiate at once without deadlock. The packet path ({@link #onRtp}, {@link #onRtcp}) takes no lock: it reads
 * immutable snapshots published through volatile fields.
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
public final class Peer implements SessionStreams {
    static final long GLARE_TIMEOUT_MILLIS = 4000;
    static final long KEYFRAME_RETRY_MILLIS = 300;
    static final int KEYFRAME_RETRIES = 10;
    static final long CONSENT_CHECK_MILLIS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(Peer.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String id;
    private final Router router;
    private final PeerSignaling signaling;
    private final WebRtcTransport transport;
    private final Negotiator negotiator;
    private final ScheduledExecutorService scheduler;
    private final long localSsrc;
    private final long joinedAtNanos = System.nanoTime();
    private final long offerDelayNanos;
    private final LongAdder rtpUnknownSsrc = new LongAdder();
    private final LongAdder rtcpDropped = new LongAdder();
    private final LongAdder rtxDropped = new LongAdder();
    private final LongAdder consentExpired = new LongAdder();
    private final long consentTimeoutMillis;
    private final long answerTimeoutMillis;
    private final java.util.concurrent.ScheduledFuture<?> consentCheck;
    /** What the server tells this participant about what it sends: transport-cc feedback, NACKs, reports. */
    private final ReceiverFeedback feedback;

    // Guarded by this.
    private final Map<String, Producer> producersByMid = new LinkedHashMap<>();
    private final Map<String, Consumer> consumersByProducer = new LinkedHashMap<>();
    private String heldOffer;
    private boolean candidatesSent;
    private boolean offerScheduled;
    private boolean closed;
    /** Counts the server's offers, so that a timer knows whether the offer it was set for is still the one out. */
    private long offerNumber;
    private long offerSentAtNanos;
    /** The outstanding offer went unanswered past the answer timeout: the next change replaces it. */
    private boolean offerOverdue;

    // Snapshots for the packet path.
    private volatile int transportCcExtensionId = -1;
    private volatile int audioLevelExtensionId = -1;
    /** SSRC (and RTX SSRC) → producer; built whole and never changed after publication. Unboxed: read per packet. */
    private volatile SsrcTable<Producer> producersBySsrc = new SsrcTable<>();
    /** The producers whose SSRC is known, each once: what the feedback tick reports on. */
    private volatile List<Producer> producersWithSsrc = List.of();
    private volatile List<Producer> producersWithoutSsrc = List.of();
    /**
     * This participant's consumers by the SSRCs it knows them by (media and RTX): how its RTCP about what it receives
     * finds its stream. Built whole and never changed after publication.
     */
    private volatile SsrcTable<Consumer> consumersBySsrc = new SsrcTable<>();

    Peer(String id, Router router, PeerSignaling signaling, MediaContext context) {
        this.id = id;
        this.router = router;
        this.signaling = signaling;
        this.scheduler = context.scheduler();
        this.offerDelayNanos = TimeUnit.MILLISECONDS.toNanos(context.firstOfferDelayMillis());
        this.localSsrc = RANDOM.nextInt() & 0xffffffffL;
        this.transport = new WebRtcTransport(id, context.iceEndpoint(), context.certificate(),
                context.handshakeExecutor(), context.workers(), context.simulatedLoss(), new TransportListener());
        this.feedback = new ReceiverFeedback(id, transport, localSsrc, this::producersSnapshot);
        this.negotiator = new Negotiator(localTransportParameters(), this::restartIce);
        this.consentTimeoutMillis = context.consentTimeoutMillis();
        this.answerTimeoutMillis = context.answerTimeoutMillis();
        this.consentCheck = scheduler.scheduleWithFixedDelay(this::checkConsent, CONSENT_CHECK_MILLIS,
                CONSENT_CHECK_MILLIS, TimeUnit.MILLISECONDS);
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

    /**
     * RFC 7675: a participant whose path has carried nothing, not even an answer to the server's consent checks, for
     * the consent timeout has gone (network lost, app killed). It is failed, which ends its session and tells the
     * others it left. Counted from the transport's start, so a participant whose ICE never connects goes too.
     */
    private void checkConsent() {
        try {
            if (isClosed() || !transport.isStarted()) {
                return;
            }
            long silent = transport.millisSinceHeard();
            if (silent > consentTimeoutMillis) {
                consentExpired.increment();
                transport.failPath("consent expired: nothing from the participant for " + silent + " ms (RFC 7675)");
            }
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again.
            LOG.warn("Participant {}: consent check failed", id, e);
        }
    }

    public String id() {
        return id;
    }

    public Router router() {
        return router;
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
        return List.copyOf(consumersByProducer.values());
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
            result = negotiator.receiveOffer(sdp, downstreamTracks());
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
        activateNegotiatedConsumers();
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
            publishExtensionIds();
            startTransport(result.transport());
            sendCandidatesOnce();
            activateNegotiatedConsumers();
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
        transportCcExtensionId = negotiator.extensionId(SupportedCodecs.TRANSPORT_CC_URI);
        audioLevelExtensionId = negotiator.extensionId(SupportedCodecs.AUDIO_LEVEL_URI);
        Map<String, Integer> ids = negotiator.upstreamExtensionIds();
        for (Producer p : producersByMid.values()) {
            p.setExtensionIds(ids);
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
            if (existing != null && existing.sameStream(track.ssrc(), track.rtxSsrc(), track.codecs())) {
                next.put(track.mid(), existing);
                continue;
            }
            Producer producer = new Producer(id + "-" + track.mid(), id, transport, localSsrc, track.kind(),
                    track.mid(), track.ssrc(), track.rtxSsrc(), track.codecs());
            producer.setExtensionIds(negotiator.upstreamExtensionIds());
            next.put(track.mid(), producer);
            changed = true;
            LOG.info("Participant {}: producing {} on mid {} (ssrc {})", id, track.kind(), track.mid(),
                    track.ssrc() < 0 ? "unsignaled" : Long.toString(track.ssrc()));
        }
        for (String mid : producersByMid.keySet()) {
            if (next.get(mid) != producersByMid.get(mid)) {
                changed = true;
            }
        }
        if (changed) {
            producersByMid.clear();
            producersByMid.putAll(next);
            publishProducers();
        }
        return changed;
    }

    private void publishProducers() {
        SsrcTable<Producer> bySsrc = new SsrcTable<>();
        List<Producer> known = new ArrayList<>();
        List<Producer> unknown = new ArrayList<>();
        for (Producer p : producersByMid.values()) {
            if (p.ssrc() >= 0) {
                bySsrc.put(p.ssrc(), p);
                if (p.rtxSsrc() >= 0) {
                    bySsrc.put(p.rtxSsrc(), p);
                }
                known.add(p);
            } else {
                unknown.add(p);
            }
        }
        producersBySsrc = bySsrc;
        producersWithSsrc = List.copyOf(known);
        producersWithoutSsrc = List.copyOf(unknown);
    }

    /**
     * The router's producers changed: consume every other participant's producers, drop consumers of the ones that
     * are gone, and renegotiate if that changes the m-lines.
     */
    void syncConsumers(List<Producer> all) {
        synchronized (this) {
            if (closed) {
                return;
            }
            SubscriptionPolicy policy = router.subscriptionPolicy();
            Map<String, Producer> wanted = new LinkedHashMap<>();
            Map<String, Boolean> paused = new java.util.HashMap<>();
            for (Producer p : all) {
                SubscriptionPolicy.Subscription s = p.ownerId().equals(id) ? SubscriptionPolicy.Subscription.NONE
                        : policy.subscription(id, p);
                if (s != SubscriptionPolicy.Subscription.NONE) {
                    wanted.put(p.id(), p);
                    paused.put(p.id(), s == SubscriptionPolicy.Subscription.PAUSED);
                }
            }
            consumersByProducer.entrySet().removeIf(e -> {
                Producer p = wanted.get(e.getKey());
                if (p == e.getValue().producer()) {
                    return false;
                }
                e.getValue().deactivate();
                e.getValue().producer().removeConsumer(e.getValue());
                return true;
            });
            for (Producer p : wanted.values()) {
                if (!consumersByProducer.containsKey(p.id())) {
                    // The stream gets SSRCs of this participant's session, whatever the sender chose (RFC 3550 §8).
                    long ssrc = newSsrc(-1);
                    Consumer c = new Consumer(id + "<" + p.id(), p, transport, ssrc, p.isAudio() ? -1 : newSsrc(ssrc));
                    consumersByProducer.put(p.id(), c);
                    c.setPaused(paused.get(p.id()));
                    p.addConsumer(c);
                    // A producer replaced under the same id keeps its m-line: the new consumer may send at once.
                    activateIfNegotiated(c);
                } else {
                    Consumer c = consumersByProducer.get(p.id());
                    boolean resumed = c.isPaused() && !paused.get(p.id());
                    c.setPaused(paused.get(p.id()));
                    if (resumed && c.isActive()) {
                        // Its receiver's decoder has not seen this track for a while: it needs a keyframe.
                        requestKeyframeFor(c);
                    }
                }
            }
            SsrcTable<Consumer> bySsrc = new SsrcTable<>(consumersByProducer.size() * 2);
            for (Consumer c : consumersByProducer.values()) {
                bySsrc.put(c.ssrc(), c);
                if (c.rtxSsrc() >= 0) {
                    bySsrc.put(c.rtxSsrc(), c);
                }
            }
            consumersBySsrc = bySsrc;
        }
        maybeOffer();
    }

    /**
     * Must hold the lock. A random SSRC (RFC 3550 §8) that no stream the server sends this participant uses, nor
     * the server's own RTCP SSRC, nor one the participant sends with, nor {@code alsoTaken}.
     */
    private long newSsrc(long alsoTaken) {
        while (true) {
            long ssrc = RANDOM.nextInt() & 0xFFFF_FFFFL;
            boolean taken = ssrc == 0 || ssrc == alsoTaken || ssrc == localSsrc || producersBySsrc.get(ssrc) != null;
            for (Consumer c : consumersByProducer.values()) {
                taken |= c.ssrc() == ssrc || c.rtxSsrc() == ssrc;
            }
            if (!taken) {
                return ssrc;
            }
        }
    }

    /** Must hold the lock. */
    private List<DownstreamTrack> downstreamTracks() {
        List<DownstreamTrack> tracks = new ArrayList<>();
        for (Consumer c : consumersByProducer.values()) {
            Producer p = c.producer();
            // The stream of a participant's media (a=msid) is that participant, so its audio and video play in sync.
            tracks.add(new DownstreamTrack(c.id(), p.kind(), c.ssrc(), p.ownerId(), p.id(), c.rtxSsrc()));
        }
        return tracks;
    }

    /** Must hold the lock. Starts forwarding on every consumer whose m-line the participant has now accepted. */
    private void activateNegotiatedConsumers() {
        for (Consumer c : consumersByProducer.values()) {
            if (!activateIfNegotiated(c)) {
                c.deactivate();
            }
        }
    }

    /**
     * Must hold the lock. Starts the consumer when this participant has negotiated its m-line, asking its sender
     * for a keyframe. Returns false when no m-line is negotiated for it.
     */
    private boolean activateIfNegotiated(Consumer c) {
        var codecs = negotiator.negotiatedCodecs(c.id());
        if (codecs.isEmpty()) {
            return false;
        }
        if (!c.isActive()) {
            c.activate(codecs, negotiator.negotiatedExtensions(c.id()));
            if (!c.isPaused()) {
                requestKeyframeFor(c);
            }
        }
        return true;
    }

    /**
     * A consumer has started: its receiver needs a keyframe before it can decode anything. Asked now, then every
     * {@link #KEYFRAME_RETRY_MILLIS} until one has passed through the consumer (or {@link #KEYFRAME_RETRIES} tries):
     * a request can be lost, or fall inside the sender's own 300 ms window for keyframe requests and be ignored.
     */
    private void requestKeyframeFor(Consumer c) {
        if (transport.isConnected()) {
            c.producer().requestKeyframe();
        }
        scheduleKeyframeRetry(c, KEYFRAME_RETRIES);
    }

    private void scheduleKeyframeRetry(Consumer c, int triesLeft) {
        if (triesLeft <= 0) {
            return;
        }
        scheduler.schedule(() -> {
            if (!c.isActive() || c.isPaused() || !c.awaitingKeyframe() || isClosed()) {
                return;
            }
            if (transport.isConnected()) {
                c.producer().requestKeyframe();
            }
            scheduleKeyframeRetry(c, triesLeft - 1);
        }, KEYFRAME_RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Sends the server's offer when the m-lines must change and the signaling state allows it. */
    void maybeOffer() {
        synchronized (this) {
            if (closed) {
                return;
            }
            List<DownstreamTrack> tracks = downstreamTracks();
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
            // Before the offer leaves: the participant may check as soon as it has it.
            applyIceRole();
            long number = ++offerNumber;
            offerSentAtNanos = System.nanoTime();
            offerOverdue = false;
            signaling.sendOffer(offer, !tracks.isEmpty());
            sendCandidatesOnce();
            scheduler.schedule(() -> onOfferTimeout(number), GLARE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            scheduler.schedule(() -> onAnswerTimeout(number), answerTimeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Must hold the lock. The ICE role follows who made the first offer; fixed once the transport has started. */
    private void applyIceRole() {
        Boolean controlling = negotiator.iceControlling();
        if (controlling != null) {
            transport.setIceControlling(controlling);
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

    /**
     * The server's outstanding offer never reached the participant (its signaling connection dropped and was
     * resumed): withdraw it and offer afresh, so that the exchange does not wait for an answer that cannot come.
     */
    public void renegotiate() {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (negotiator.hasLocalOffer()) {
                negotiator.rollback();
            }
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

    /**
     * An unprotected RTP packet from this participant, lent for the call (see {@link WebRtcTransport.Listener}).
     * Network thread; one uncontended lock for the recorder.
     */
    void onRtp(PacketBuffer packet, long arrivalNanos) {
        byte[] buf = packet.buffer();
        int transportCcId = transportCcExtensionId;
        if (transportCcId > 0) {
            feedback.onPacket(buf, packet.offset(), packet.length(), transportCcId, arrivalNanos);
        }
        long ssrc = RtpPacket.ssrc(buf, packet.offset());
        Producer producer = producersBySsrc.get(ssrc);
        if (producer == null) {
            producer = learnSsrc(ssrc, RtpPacket.payloadType(buf, packet.offset()));
            if (producer == null) {
                rtpUnknownSsrc.increment();
                return;
            }
        }
        int levelId = audioLevelExtensionId;
        if (levelId > 0 && producer.isAudio()) {
            int level = AudioLevel.level(buf, packet.offset(), packet.length(), levelId);
            if (level >= 0) {
                router.onAudioLevel(id, level);
            }
        }
        boolean repaired = ssrc == producer.rtxSsrc();
        if (repaired && !producer.unwrapRtx(packet)) {
            rtxDropped.increment();
            return;
        }
        producer.onRtp(packet, repaired, arrivalNanos);
    }

    /** Every producer of this participant once (a producer with RTX is listed under both SSRCs). */
    private Collection<Producer> producersSnapshot() {
        return producersWithSsrc;
    }

    /**
     * A participant that announces no SSRC (allowed: RFC 8829 does not require a=ssrc) is matched to its producer by
     * payload type on the first packet. Its consumers already exist under SSRCs of their own, so nothing is
     * renegotiated: only this participant's SSRC table changes.
     */
    private Producer learnSsrc(long ssrc, int payloadType) {
        for (Producer p : producersWithoutSsrc) {
            if (p.codecs().stream().anyMatch(c -> c.payloadType() == payloadType)) {
                synchronized (this) {
                    if (p.ssrc() >= 0 || producersByMid.get(p.mid()) != p) {
                        return null;
                    }
                    p.learnSsrc(ssrc);
                    publishProducers();
                }
                LOG.info("Participant {}: learned ssrc {} for mid {}", id, ssrc, p.mid());
                return p;
            }
        }
        return null;
    }

    /** An unprotected RTCP compound packet from this participant. Network thread, no locks. */
    void onRtcp(PacketBuffer packet) {
        if (!RtcpRouting.route(this, packet, System.nanoTime())) {
            rtcpDropped.increment();
        }
    }

    @Override
    public Producer producerBySsrc(long ssrc) {
        return producersBySsrc.get(ssrc);
    }

    /** The consumer this participant knows by the SSRC (media or RTX), or null. No lock: for the RTCP path. */
    @Override
    public Consumer consumerBySsrc(long ssrc) {
        return consumersBySsrc.get(ssrc);
    }

    /**
     * Every counter of this participant's stages under a stable name: its transport (received, sent, each drop
     * reason), its producers (what it sends), its consumers (what it receives), and its feedback.
     */
    public Map<String, Long> counters() {
        Map<String, Long> totals = new java.util.TreeMap<>(transport.counters().snapshot());
        totals.put("peer_rtp_unknown_ssrc", rtpUnknownSsrc.sum());
        totals.put("peer_rtcp_not_routed", rtcpDropped.sum());
        totals.put("peer_rtx_dropped", rtxDropped.sum());
        totals.put("peer_consent_expired", consentExpired.sum());
        feedback.addCounters(totals);
        for (Producer p : producers()) {
            p.addCounters(totals);
        }
        for (Consumer c : consumers()) {
            c.addCounters(totals);
        }
        return totals;
    }

    /** Leaves the router and frees the transport (ICE agent, DTLS, SRTP). Idempotent. */
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            LOG.info("Participant {} leaves; counters {}", id, counters());
            closed = true;
            consentCheck.cancel(false);
            feedback.stop();
            for (Consumer c : consumersByProducer.values()) {
                c.deactivate();
                c.producer().removeConsumer(c);
            }
            consumersByProducer.clear();
            consumersBySsrc = new SsrcTable<>();
            producersByMid.clear();
            producersBySsrc = new SsrcTable<>();
            producersWithSsrc = List.of();
            producersWithoutSsrc = List.of();
        }
        transport.close();
        router.remove(this);
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    private final class TransportListener implements WebRtcTransport.Listener {
        @Override
        public void onRtp(PacketBuffer packet, long arrivalNanos) {
            Peer.this.onRtp(packet, arrivalNanos);
        }

        @Override
        public void onRtcp(PacketBuffer packet) {
            Peer.this.onRtcp(packet);
        }

        @Override
        public void onConnected() {
            synchronized (Peer.this) {
                if (!closed) {
                    feedback.start(scheduler);
                }
            }
            // Keyframes sent before this receiver could decrypt them are lost to it: ask for fresh ones.
            for (Consumer c : consumers()) {
                if (c.isActive() && !c.isPaused()) {
                    requestKeyframeFor(c);
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
