package org.sfu.media.router;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.sfu.media.feedback.DominantSpeaker;
import org.sfu.media.rtp.MediaKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A room (mediasoup's "Router"): the participants whose tracks are forwarded to each other. The router decides which
 * participant consumes which producer (its {@link SubscriptionPolicy}, within each participant's {@link Grants}; by
 * default everyone consumes everyone else's) and hands each participant its subscriptions, whose consumers that
 * participant's {@link ReceivedStreams} then keep.
 */
public final class Router {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final String id;
    private final MediaContext context;
    private final int maxPeers;
    private final ConcurrentHashMap<String, Peer> peers = new ConcurrentHashMap<>();
    /**
     * Serialises taking the producers snapshot and applying it to participants, so that the newest state is always
     * applied last. Taken before any participant's lock, never while holding one.
     */
    private final Object consumerSync = new Object();
    private final Consumer<Router> onEmpty;
    private volatile SubscriptionPolicy policy;
    /**
     * What each participant asked not to receive for now, over the policy: receiver id → "owner id/kind". Entries
     * name participants in the room only, and go when either leaves.
     */
    private final ConcurrentHashMap<String, Set<String>> pausedByReceiver = new ConcurrentHashMap<>();
    private boolean closed;
    /** Who is speaking, from the RFC 6464 audio levels participants send; evaluated every 300 ms. */
    private final DominantSpeaker speakers = new DominantSpeaker(SPEAKER_SWITCH_HOLD_NANOS);
    private final ScheduledFuture<?> speakerTimer;

    /** A speaker must be clearly louder for this long to take over, so that a cough does not switch the view. */
    static final long SPEAKER_SWITCH_HOLD_NANOS = 1_000_000_000L;
    static final long SPEAKER_EVALUATION_MILLIS = 300;

    public Router(String id, MediaContext context, int maxPeers, Consumer<Router> onEmpty) {
        this(id, context, maxPeers, onEmpty, SubscriptionPolicy.EVERYONE);
    }

    /** @param policy which tracks each participant receives (see {@link SubscriptionPolicy}) */
    public Router(String id, MediaContext context, int maxPeers, Consumer<Router> onEmpty,
                  SubscriptionPolicy policy) {
        this.id = id;
        this.context = context;
        this.maxPeers = maxPeers;
        this.onEmpty = onEmpty;
        this.policy = policy;
        this.speakerTimer = context.scheduler().scheduleAtFixedRate(this::evaluateSpeakers,
                SPEAKER_EVALUATION_MILLIS, SPEAKER_EVALUATION_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Who is speaking: each participant's {@link RtpSession} gives it the audio levels it reads (RFC 6464). */
    DominantSpeaker speakers() {
        return speakers;
    }

    private void evaluateSpeakers() {
        try {
            speakers.evaluate(System.nanoTime()).ifPresent(id -> {
                for (Peer p : peers.values()) {
                    p.signaling().dominantSpeaker(id);
                }
            });
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again.
            LOG.error("Router {}: dominant speaker evaluation failed", id, e);
        }
    }

    public String id() {
        return id;
    }

    /**
     * Adds a participant; its consumers of everyone else are created at once, its offer follows, and the others hear
     * of it.
     *
     * @throws RouterFullException   when the router already has its maximum of participants
     * @throws RouterClosedException when the router emptied and was removed meanwhile: join a fresh one
     */
    public Peer join(String peerId, PeerSignaling signaling) throws RouterFullException, RouterClosedException {
        return join(peerId, Grants.OPEN, signaling);
    }

    /**
     * Adds a participant with these grants (see {@link #join(String, PeerSignaling)}).
     *
     * @throws RouterFullException   when the router already has its maximum of participants
     * @throws RouterClosedException when the router emptied and was removed meanwhile: join a fresh one
     */
    public Peer join(String peerId, Grants grants, PeerSignaling signaling)
            throws RouterFullException, RouterClosedException {
        List<Peer> others;
        Peer peer;
        synchronized (this) {
            if (closed) {
                throw new RouterClosedException();
            }
            if (peers.size() >= maxPeers) {
                throw new RouterFullException(id, maxPeers);
            }
            if (peers.containsKey(peerId)) {
                throw new IllegalArgumentException("participant " + peerId + " is already in router " + id);
            }
            others = List.copyOf(peers.values());
            peer = new Peer(peerId, grants, this, signaling, context);
            peers.put(peerId, peer);
            // Under the lock, so that observers hear of joins and leaves in the order the room saw them.
            context.roomEvents().participantJoined(peer);
        }
        LOG.debug("Router {}: {} joined ({} participants)", id, peerId, peers.size());
        for (Peer other : others) {
            other.signaling().participantJoined(peerId, grants.identity());
        }
        speakers.current().ifPresent(signaling::dominantSpeaker);
        synchronized (consumerSync) {
            peer.syncConsumers(subscriptions(peer, producers()));
        }
        return peer;
    }

    /** The ids of the participants now in the router. */
    public List<String> peerIds() {
        return List.copyOf(peers.keySet());
    }

    public int size() {
        return peers.size();
    }

    public Collection<Peer> peers() {
        return List.copyOf(peers.values());
    }

    /** Every producer of every participant that may publish: the tracks the others may be offered. */
    public List<Producer> producers() {
        List<Producer> all = new ArrayList<>();
        for (Peer p : peers.values()) {
            if (p.grants().publish()) {
                all.addAll(p.producers());
            }
        }
        return all;
    }

    /**
     * Which of the producers {@code receiver} consumes, and whether each flows: nothing of its own, nothing at all
     * without the subscribe grant, otherwise what the policy decides. Called under {@code consumerSync}.
     */
    private Map<Producer, SubscriptionPolicy.Subscription> subscriptions(Peer receiver, List<Producer> all) {
        Map<Producer, SubscriptionPolicy.Subscription> subscriptions = new LinkedHashMap<>();
        if (!receiver.grants().subscribe()) {
            return subscriptions;
        }
        SubscriptionPolicy current = policy;
        Set<String> paused = pausedByReceiver.getOrDefault(receiver.id(), Set.of());
        for (Producer p : all) {
            if (p.ownerId().equals(receiver.id())) {
                continue;
            }
            SubscriptionPolicy.Subscription s = current.subscription(receiver.id(), p);
            if (s == SubscriptionPolicy.Subscription.FLOWING && paused.contains(pauseKey(p.ownerId(), p.kind()))) {
                s = SubscriptionPolicy.Subscription.PAUSED;
            }
            if (s != SubscriptionPolicy.Subscription.NONE) {
                subscriptions.put(p, s);
            }
        }
        return subscriptions;
    }

    /** Applies a new subscription policy to every participant (consumers come, go, pause or resume). */
    public void setSubscriptionPolicy(SubscriptionPolicy policy) {
        this.policy = java.util.Objects.requireNonNull(policy, "policy");
        subscriptionsChanged();
    }

    /** What the subscription policy decides may have changed: ask it again for every participant. */
    public void subscriptionsChanged() {
        producersChanged();
    }

    /** Some participant's producers changed: bring every participant's consumers up to date. */
    void producersChanged() {
        // Snapshot and apply under one lock: two participants negotiating at once on two signaling threads each take
        // a snapshot, and an older one applied last removed the consumers the newer one had added (seen once in the
        // load generator's smoke test: one receiver never got one sender's tracks).
        synchronized (consumerSync) {
            List<Producer> all = producers();
            for (Peer p : peers.values()) {
                p.syncConsumers(subscriptions(p, all));
            }
        }
    }

    /**
     * The receiver asks to pause (or resume) what it receives of one other participant's tracks of a kind: a tile
     * off screen costs no bandwidth. The consumer and its m-line stay, so resuming needs no renegotiation, only a
     * keyframe, which the consumer asks for. Only the receiver's own subscriptions change.
     *
     * @return false when either is not in the room, or they are the same participant
     */
    public boolean setPaused(String receiverId, String ownerId, MediaKind kind, boolean pause) {
        Peer receiver = peers.get(receiverId);
        if (receiver == null || receiverId.equals(ownerId) || !peers.containsKey(ownerId)) {
            return false;
        }
        String key = pauseKey(ownerId, kind);
        if (pause) {
            pausedByReceiver.computeIfAbsent(receiverId, k -> ConcurrentHashMap.newKeySet()).add(key);
        } else {
            Set<String> paused = pausedByReceiver.get(receiverId);
            if (paused != null) {
                paused.remove(key);
            }
        }
        // One of them may have left meanwhile, after remove() had cleared what named it.
        if (peers.get(receiverId) != receiver) {
            forget(receiverId);
            return false;
        }
        if (!peers.containsKey(ownerId)) {
            forget(ownerId);
            return false;
        }
        synchronized (consumerSync) {
            receiver.syncConsumers(subscriptions(receiver, producers()));
        }
        return true;
    }

    /**
     * The receiver's maximum frame height for another participant's video (additive {@code video_quality} message):
     * of a simulcast sender it gets the highest layer no taller than this that flows. {@code maxHeight <= 0} lifts the
     * limit. A plain sender's video is unaffected (there is one layer).
     *
     * @return false when either is not in the room, or they are the same participant
     */
    public boolean setMaxHeight(String receiverId, String ownerId, int maxHeight) {
        Peer receiver = peers.get(receiverId);
        if (receiver == null || receiverId.equals(ownerId) || !peers.containsKey(ownerId)) {
            return false;
        }
        receiver.setMaxHeight(ownerId, maxHeight);
        return true;
    }

    private static String pauseKey(String ownerId, MediaKind kind) {
        return ownerId + "/" + kind.sdpName();
    }

    /** A participant left: nothing it paused, and no pause of its tracks, is kept. */
    private void forget(String participantId) {
        pausedByReceiver.remove(participantId);
        String prefix = participantId + "/";
        for (Set<String> paused : pausedByReceiver.values()) {
            paused.removeIf(key -> key.startsWith(prefix));
        }
    }

    /** @param reason why it left, for the room's observers (null: not said) */
    void remove(Peer peer, String reason) {
        boolean empty;
        synchronized (this) {
            if (!peers.remove(peer.id(), peer)) {
                return;
            }
            context.roomEvents().participantLeft(peer, reason);
            // An empty router is closed for good, so that a join racing with the removal goes to a new one.
            empty = peers.isEmpty();
            closed = empty;
        }
        speakers.remove(peer.id());
        forget(peer.id());
        if (empty) {
            speakerTimer.cancel(false);
        }
        LOG.debug("Router {}: {} left ({} participants)", id, peer.id(), peers.size());
        producersChanged();
        for (Peer other : peers.values()) {
            other.signaling().participantLeft(peer.id());
        }
        if (empty) {
            onEmpty.accept(this);
        }
    }
}
