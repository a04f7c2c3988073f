package org.sfu.media.router;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A room (mediasoup's "Router"): the participants whose tracks are forwarded to each other. Every participant consumes
 * every other participant's producers.
 */
public final class Router {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final String id;
    private final MediaContext context;
    private final ConcurrentHashMap<String, Peer> peers = new ConcurrentHashMap<>();
    private final Consumer<Router> onEmpty;

    public Router(String id, MediaContext context, Consumer<Router> onEmpty) {
        this.id = id;
        this.context = context;
        this.onEmpty = onEmpty;
    }

    public String id() {
        return id;
    }

    /** Adds a participant; its consumers of everyone else are created at once, its offer follows. */
    public Peer join(String peerId, PeerSignaling signaling) {
        Peer peer = new Peer(peerId, this, signaling, context);
        if (peers.putIfAbsent(peerId, peer) != null) {
            peer.close();
            throw new IllegalArgumentException("participant " + peerId + " is already in router " + id);
        }
        LOG.debug("Router {}: {} joined ({} participants)", id, peerId, peers.size());
        peer.syncConsumers(producers());
        return peer;
    }

    public int size() {
        return peers.size();
    }

    public Collection<Peer> peers() {
        return List.copyOf(peers.values());
    }

    /** Every producer of every participant. */
    public List<Producer> producers() {
        List<Producer> all = new ArrayList<>();
        for (Peer p : peers.values()) {
            all.addAll(p.producers());
        }
        return all;
    }

    /** The producer with this SSRC, whoever sends it; null if none. */
    Producer producerBySsrc(long ssrc) {
        for (Peer p : peers.values()) {
            Producer producer = p.producerBySsrc(ssrc);
            if (producer != null) {
                return producer;
            }
        }
        return null;
    }

    /** Some participant's producers changed: bring every participant's consumers up to date. */
    void producersChanged() {
        List<Producer> all = producers();
        for (Peer p : peers.values()) {
            p.syncConsumers(all);
        }
    }

    void remove(Peer peer) {
        if (peers.remove(peer.id(), peer)) {
            LOG.debug("Router {}: {} left ({} participants)", id, peer.id(), peers.size());
            producersChanged();
            if (peers.isEmpty()) {
                onEmpty.accept(this);
            }
        }
    }
}
