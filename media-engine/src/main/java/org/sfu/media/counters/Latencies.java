package org.sfu.media.counters;

import java.util.List;

/**
 * The times the server measures, as histograms an exporter reads like the counters: how long a participant's path
 * takes to come up, how long a receiver waits for the first picture, and how long a packet spends in the server. One
 * set per media engine ({@link CounterRegistry#latencies()}), never reset.
 */
public final class Latencies {
    private static final long MS = 1_000_000L;
    private static final long US = 1_000L;

    private final LatencyHistogram iceConnect = new LatencyHistogram("ice_connect_seconds",
            "from a participant joining to ICE connectivity (RFC 8445 §8: a pair nominated)",
            50 * MS, 100 * MS, 250 * MS, 500 * MS, 1000 * MS, 2000 * MS, 5000 * MS, 10_000 * MS, 30_000 * MS);
    private final LatencyHistogram dtlsHandshake = new LatencyHistogram("dtls_handshake_seconds",
            "from ICE connectivity to SRTP keys (RFC 5764 §4.2: the DTLS handshake and key export)",
            10 * MS, 25 * MS, 50 * MS, 100 * MS, 250 * MS, 500 * MS, 1000 * MS, 2500 * MS, 5000 * MS, 10_000 * MS);
    private final LatencyHistogram firstFrame = new LatencyHistogram("first_frame_seconds",
            "from a video consumer starting to the first keyframe sent to its receiver",
            50 * MS, 100 * MS, 250 * MS, 500 * MS, 1000 * MS, 2000 * MS, 5000 * MS, 10_000 * MS, 30_000 * MS);
    private final LatencyHistogram forwardingDelay = new LatencyHistogram("forwarding_delay_seconds",
            "from a packet's arrival to its copy's send returning, for one packet in 64 of each track",
            50 * US, 100 * US, 250 * US, 500 * US, 1 * MS, 2500 * US, 5 * MS, 10 * MS, 25 * MS, 50 * MS, 100 * MS);

    /** Joining → ICE connected. */
    public LatencyHistogram iceConnect() {
        return iceConnect;
    }

    /** ICE connected → SRTP keys. */
    public LatencyHistogram dtlsHandshake() {
        return dtlsHandshake;
    }

    /** A video consumer activated → its first keyframe sent. */
    public LatencyHistogram firstFrame() {
        return firstFrame;
    }

    /** A sampled packet's arrival → a consumer's send of it returned. */
    public LatencyHistogram forwardingDelay() {
        return forwardingDelay;
    }

    public List<LatencyHistogram> all() {
        return List.of(iceConnect, dtlsHandshake, firstFrame, forwardingDelay);
    }
}
