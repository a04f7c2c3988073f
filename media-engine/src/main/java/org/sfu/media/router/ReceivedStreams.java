package org.sfu.media.router;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sfu.media.negotiation.DownstreamTrack;
import org.sfu.media.negotiation.Negotiator;
import org.sfu.media.transport.Transport;

/**
 * The copies of other participants' tracks that one participant receives: a {@link Consumer} for each producer the
 * router subscribes it to, each an outgoing stream of this participant's session with SSRCs chosen here, started once
 * the participant has negotiated its m-line and then given a keyframe as soon as possible.
 *
 * <p>Control side: its owner ({@link Peer}) calls it under its own lock, never from the packet path. The packet path
 * sees the outcome only through the table this class publishes to the participant's {@link RtpSession}.
 */
final class ReceivedStreams {
    /** Where a consumer's counters are registered while it exists. */
    interface StreamRegistry {
        void added(Consumer c);

        void removed(Consumer c);
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String receiverId;
    private final Transport transport;
    private final long localSsrc;
    private final RtpSession session;
    private final Negotiator negotiator;
    private final KeyframeRetries keyframes;
    private final StreamRegistry registry;
    private final Map<String, Consumer> byProducer = new LinkedHashMap<>();
    /** The participant's maximum video height per sending participant (video_quality); absent: none. */
    private final Map<String, Integer> maxHeightByOwner = new java.util.HashMap<>();

    /**
     * @param localSsrc  the SSRC of the server's own RTCP toward the participant: never given to a stream
     * @param session    the participant's data plane: its own SSRCs, and where the consumer table is published
     * @param negotiator what the participant has negotiated: a consumer starts once its m-line is
     */
    ReceivedStreams(String receiverId, Transport transport, long localSsrc, RtpSession session,
                    Negotiator negotiator, KeyframeRetries keyframes, StreamRegistry registry) {
        this.receiverId = receiverId;
        this.transport = transport;
        this.localSsrc = localSsrc;
        this.session = session;
        this.negotiator = negotiator;
        this.keyframes = keyframes;
        this.registry = registry;
    }

    /**
     * Brings the consumers in line with what the router decided this participant receives: a new consumer for each new
     * subscription, none for a producer that is gone or was replaced, and each paused or resumed as decided. The
     * caller renegotiates if that changed the m-lines ({@link #downstreamTracks()}).
     */
    void apply(Map<Producer, SubscriptionPolicy.Subscription> subscriptions) {
        Map<String, Producer> wanted = new LinkedHashMap<>();
        for (Producer p : subscriptions.keySet()) {
            wanted.put(p.id(), p);
        }
        byProducer.entrySet().removeIf(e -> {
            Consumer c = e.getValue();
            if (wanted.get(e.getKey()) == c.producer()) {
                return false;
            }
            c.deactivate();
            c.producer().removeConsumer(c);
            registry.removed(c);
            return true;
        });
        for (Map.Entry<Producer, SubscriptionPolicy.Subscription> s : subscriptions.entrySet()) {
            Producer p = s.getKey();
            boolean paused = s.getValue() == SubscriptionPolicy.Subscription.PAUSED;
            Consumer c = byProducer.get(p.id());
            if (c == null) {
                // The stream gets SSRCs of this participant's session, whatever the sender chose (RFC 3550 §8).
                long ssrc = newSsrc(-1);
                c = new Consumer(receiverId + "<" + p.id(), p, transport, ssrc, p.isAudio() ? -1 : newSsrc(ssrc),
                        session.downlink());
                Integer maxHeight = maxHeightByOwner.get(p.ownerId());
                if (maxHeight != null && !p.isAudio()) {
                    c.setMaxHeight(maxHeight);
                }
                byProducer.put(p.id(), c);
                registry.added(c);
                c.setPaused(paused);
                p.addConsumer(c);
                // A producer replaced under the same id keeps its m-line: the new consumer may send at once.
                activateIfNegotiated(c);
            } else {
                boolean resumed = c.isPaused() && !paused;
                c.setPaused(paused);
                if (resumed && c.isActive()) {
                    // Its receiver's decoder has not seen this track for a while: it needs a keyframe.
                    keyframes.request(c);
                }
            }
        }
        session.publishConsumers(byProducer.values());
    }

    /** The participant's maximum height for another participant's video, now and for its later tracks. */
    void setMaxHeight(String ownerId, int maxHeight) {
        if (maxHeight <= 0) {
            maxHeightByOwner.remove(ownerId);
        } else {
            maxHeightByOwner.put(ownerId, maxHeight);
        }
        for (Consumer c : byProducer.values()) {
            if (c.producer().ownerId().equals(ownerId) && !c.producer().isAudio()) {
                c.setMaxHeight(maxHeight);
            }
        }
    }

    /** After an exchange: starts every consumer whose m-line the participant has now accepted, stops the others. */
    void activateNegotiated() {
        for (Consumer c : byProducer.values()) {
            if (!activateIfNegotiated(c)) {
                c.deactivate();
            }
        }
    }

    /**
     * Starts the consumer when the participant has negotiated its m-line, asking its sender for a keyframe. Returns
     * false when no m-line is negotiated for it.
     */
    private boolean activateIfNegotiated(Consumer c) {
        var codecs = negotiator.negotiatedCodecs(c.id());
        if (codecs.isEmpty()) {
            return false;
        }
        if (!c.isActive()) {
            c.activate(codecs, negotiator.negotiatedExtensions(c.id()));
            if (!c.isPaused()) {
                keyframes.request(c);
            }
        }
        return true;
    }

    /** The participant's transport just connected: keyframes sent before it could decrypt them are lost to it. */
    void requestKeyframes() {
        for (Consumer c : byProducer.values()) {
            if (c.isActive() && !c.isPaused()) {
                keyframes.request(c);
            }
        }
    }

    /** The m-lines the participant should have for what it receives. */
    List<DownstreamTrack> downstreamTracks() {
        List<DownstreamTrack> tracks = new ArrayList<>();
        for (Consumer c : byProducer.values()) {
            Producer p = c.producer();
            // The stream of a participant's media (a=msid) is that participant, so its audio and video play in sync.
            tracks.add(new DownstreamTrack(c.id(), p.kind().sdpName(), c.ssrc(), p.ownerId(), p.id(), c.rtxSsrc()));
        }
        return tracks;
    }

    List<Consumer> list() {
        return List.copyOf(byProducer.values());
    }

    /** The participant leaves: every consumer stops and leaves its producer. */
    void clear() {
        for (Consumer c : byProducer.values()) {
            c.deactivate();
            c.producer().removeConsumer(c);
            registry.removed(c);
        }
        byProducer.clear();
        session.publishConsumers(List.of());
    }

    /**
     * A random SSRC (RFC 3550 §8) that no stream the server sends this participant uses, nor the server's own RTCP
     * SSRC, nor one the participant sends with, nor {@code alsoTaken}.
     */
    private long newSsrc(long alsoTaken) {
        while (true) {
            long ssrc = RANDOM.nextInt() & 0xFFFF_FFFFL;
            boolean taken = ssrc == 0 || ssrc == alsoTaken || ssrc == localSsrc
                    || session.producerBySsrc(ssrc) != null;
            for (Consumer c : byProducer.values()) {
                taken |= c.ssrc() == ssrc || c.rtxSsrc() == ssrc;
            }
            if (!taken) {
                return ssrc;
            }
        }
    }
}
