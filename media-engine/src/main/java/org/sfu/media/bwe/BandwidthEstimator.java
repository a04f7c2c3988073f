package org.sfu.media.bwe;

import org.sfu.media.rtcp.TransportCcFeedback;

/**
 * One receiver's downlink estimate, send side, as in draft-ietf-rmcat-gcc-02 (Google congestion control): the
 * server numbers everything it sends to the receiver with transport-wide sequence numbers
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01), the receiver reports when each arrived, and this turns the
 * two into the bitrate the path carries.
 *
 * <pre>
 * onPacketSent ─▶ SendHistory (seq → send time, size, probe cluster)
 * onFeedback ──▶ arrivals matched to sends ─┬▶ InterArrival (§5.2) ─▶ TrendlineEstimator (§5.3)
 *                                           │     ─▶ OveruseDetector (§5.4) ─▶ AimdRateControl (§5.5) = A
 *                                           ├▶ AcknowledgedBitrate (R, for §5.5's decrease and increase cap)
 *                                           ├▶ ProbeController (probe results lift A and As)
 *                                           └▶ lost / reported ─▶ LossBasedControl (§6) = As
 * estimate = min(A, As), within the settings' bounds (§6)
 * </pre>
 *
 * <p>Threading: not thread-safe. The owner calls every method from one thread, or under its own lock (sends happen
 * on media workers, feedback arrives on the receiver's worker). Neither {@link #onPacketSent} nor {@link #onFeedback}
 * allocates (beyond what parsing the feedback already did), except when the send history or the acknowledged rate's
 * ring doubles: both start small, so that a participant receiving little costs little, and grow a few times at most.
 */
public final class BandwidthEstimator {
    /** The most packets the send history remembers; it starts with {@link SendHistory#INITIAL_CAPACITY}. */
    public static final int DEFAULT_HISTORY = 8192;

    private static final long REFERENCE_TIME_NANOS = TransportCcFeedback.REFERENCE_TIME_MILLIS * 1_000_000L;
    private static final long DELTA_NANOS = TransportCcFeedback.DELTA_MICROS * 1_000L;
    /** Smoothing of the feedback round-trip time (as RFC 6298's SRTT: 1/8 of each sample). */
    private static final double RTT_GAIN = 0.125;
    /**
     * Below this share of the estimate, what the receiver gets is limited by what the server has to send, not by
     * the path (libwebrtc's "application limited region" starts at the same share).
     */
    static final double APPLICATION_LIMITED_FRACTION = 0.65;

    private final BweSettings settings;
    private final SendHistory history;
    private final InterArrival interArrival = new InterArrival();
    private final TrendlineEstimator trendline = new TrendlineEstimator();
    private final OveruseDetector detector = new OveruseDetector();
    private final AimdRateControl rateControl;
    private final AcknowledgedBitrate acknowledged = new AcknowledgedBitrate();
    private final LossBasedControl lossControl;
    private final ProbeController probes;

    private boolean haveReference;
    private long referenceUnwrapped;
    private long rttNanos = -1;
    private long estimateBps;

    private long feedbacks;
    private long packetsReported;
    private long packetsLost;
    private long unknownReports;

    public BandwidthEstimator(BweSettings settings) {
        this(settings, DEFAULT_HISTORY);
    }

    /**
     * @param history the most packets remembered until their feedback, a power of two in 16..32768 (the history
     *     starts smaller and grows while feedback lags, see {@link SendHistory})
     */
    public BandwidthEstimator(BweSettings settings, int history) {
        this.settings = settings;
        this.history = new SendHistory(history);
        this.rateControl = new AimdRateControl(settings);
        this.lossControl = new LossBasedControl(settings.startBps());
        this.probes = new ProbeController(settings);
        this.estimateBps = settings.startBps();
    }

    /**
     * A packet carrying transport-wide sequence number {@code transportSequence} left for this receiver:
     * {@code sizeBytes} on the wire (RTP header, payload, SRTP tag), at {@code sendNanos} (the clock feedback is
     * processed on). Allocation-free, except when the send history grows (see {@link SendHistory}).
     */
    public void onPacketSent(int transportSequence, int sizeBytes, long sendNanos) {
        int cluster = probes.sendingCluster();
        history.onPacketSent(transportSequence, sizeBytes, sendNanos, cluster);
        if (cluster >= 0) {
            probes.onPacketSent(cluster, sizeBytes);
        }
    }

    /**
     * The receiver's transport-cc feedback arrived at {@code nowNanos}: matches its arrivals to what was sent and
     * updates the estimate. Reports of packets never sent, or no longer remembered, are ignored (counted).
     */
    public void onFeedback(TransportCcFeedback feedback, long nowNanos) {
        feedbacks++;
        long arrival = referenceNanos(feedback.referenceTime());
        int received = 0;
        int lost = 0;
        long newestSendReceived = Long.MIN_VALUE;
        int count = feedback.packetStatusCount();
        for (int i = 0; i < count; i++) {
            boolean wasReceived = feedback.received(i);
            if (wasReceived) {
                // §3.1.5: each delta is from the previous received packet, the first from the reference time.
                arrival += feedback.delta(i) * DELTA_NANOS;
            }
            int slot = history.slotOf(feedback.sequenceNumber(i));
            if (slot < 0) {
                unknownReports++;
                continue;
            }
            byte state = history.state(slot);
            if (!wasReceived) {
                if (state == SendHistory.UNREPORTED) {
                    history.setState(slot, SendHistory.REPORTED_LOST);
                    lost++;
                }
                continue;
            }
            if (state == SendHistory.REPORTED_RECEIVED) {
                continue;
            }
            if (state == SendHistory.REPORTED_LOST) {
                // Reordered beyond the previous feedback: already counted, as a loss, which it was not.
                lossControl.onLateArrival();
                packetsLost--;
            } else {
                received++;
            }
            history.setState(slot, SendHistory.REPORTED_RECEIVED);
            long send = history.sendNanos(slot);
            int size = history.sizeBytes(slot);
            newestSendReceived = Math.max(newestSendReceived, send);
            acknowledged.onPacket(arrival, size);
            int cluster = history.probeCluster(slot);
            if (cluster >= 0) {
                probes.onPacketFeedback(cluster, send, arrival, size);
            }
            if (interArrival.onPacket(send, arrival)) {
                long sendDelta = interArrival.sendDeltaNanos();
                double modifiedTrend = trendline.update(sendDelta, interArrival.arrivalDeltaNanos(),
                        interArrival.groupArrivalNanos());
                detector.detect(modifiedTrend, sendDelta / 1e6, trendline.deltas(), nowNanos);
            }
        }
        packetsReported += received + lost;
        packetsLost += lost;
        lossControl.onPackets(received, lost, nowNanos);
        if (newestSendReceived != Long.MIN_VALUE) {
            updateRtt(nowNanos - newestSendReceived);
        }
        update(nowNanos);
    }

    /** §3.1: the 24-bit reference time in 64 ms units, unwrapped against the previous feedback's. */
    long referenceNanos(int referenceTime) {
        if (!haveReference) {
            haveReference = true;
            referenceUnwrapped = referenceTime;
        } else {
            int previous = (int) (referenceUnwrapped & TransportCcFeedback.MAX_REFERENCE_TIME);
            int diff = ((referenceTime - previous) << 8) >> 8;
            referenceUnwrapped += diff;
        }
        return referenceUnwrapped * REFERENCE_TIME_NANOS;
    }

    private void updateRtt(long sample) {
        if (sample < 0) {
            return;
        }
        rttNanos = rttNanos < 0 ? sample : (long) ((1 - RTT_GAIN) * rttNanos + RTT_GAIN * sample);
        rateControl.setRtt(rttNanos);
    }

    private void update(long nowNanos) {
        BandwidthUsage usage = detector.state();
        long ackedBps = acknowledged.bitrateBps();
        long delayBased = rateControl.update(usage, ackedBps, nowNanos);
        long probe = probes.resolve();
        if (probe > 0 && usage != BandwidthUsage.OVERUSE && probe > delayBased) {
            rateControl.setEstimate(probe, nowNanos);
            delayBased = rateControl.estimateBps();
        }
        if (probe > 0) {
            lossControl.onProbe(probe);
        }
        lossControl.update(delayBased, nowNanos);
        lossControl.clamp(settings);
        estimateBps = settings.clamp(Math.min(delayBased, lossControl.estimateBps()));
        boolean applicationLimited = ackedBps >= 0 && ackedBps < APPLICATION_LIMITED_FRACTION * estimateBps;
        probes.onEstimate(estimateBps, usage, applicationLimited, nowNanos);
    }

    /**
     * Padding to send now, in bytes, to keep a probe cluster at its rate (0 when not probing). Send it as soon as
     * possible in padding-only packets (or RTX of recent packets) numbered like any other and reported through
     * {@link #onPacketSent}.
     */
    public int probePaddingBytes(long nowNanos) {
        return probes.paddingBytes(nowNanos);
    }

    /**
     * The owner would send {@code wantedBps} if the estimate allowed: probe for it (see
     * {@link ProbeController#requestProbe}). Returns whether a probe was planned.
     */
    public boolean requestProbe(long wantedBps, long nowNanos) {
        return probes.requestProbe(wantedBps, estimateBps, nowNanos);
    }

    /** Whether a probe cluster is being sent or waits to be: call {@link #probePaddingBytes} every few ms. */
    public boolean probing() {
        return probes.probing();
    }

    /** The estimate: what the path to this receiver carries, in bits per second. */
    public long estimateBps() {
        return estimateBps;
    }

    /** The delay-based estimate A (§5.5). */
    public long delayBasedBps() {
        return rateControl.estimateBps();
    }

    /** The loss-based estimate As (§6). */
    public long lossBasedBps() {
        return lossControl.estimateBps();
    }

    /** The last probe result, or -1 before any. */
    public long lastProbeBps() {
        return probes.lastResultBps();
    }

    /** What the receiver got lately, or -1 when not known yet. */
    public long acknowledgedBps() {
        return acknowledged.bitrateBps();
    }

    public BandwidthUsage usage() {
        return detector.state();
    }

    public AimdRateControl.State rateControlState() {
        return rateControl.state();
    }

    /** Smoothed time from sending a packet to its feedback arriving, or -1 before the first. */
    public long rttNanos() {
        return rttNanos;
    }

    /** The loss fraction of the last window the loss-based controller closed. */
    public double lossFraction() {
        return lossControl.lossFraction();
    }

    public long feedbacks() {
        return feedbacks;
    }

    public long packetsReported() {
        return packetsReported;
    }

    public long packetsLost() {
        return packetsLost;
    }

    /** Feedback entries about sequence numbers never sent or no longer remembered. */
    public long unknownReports() {
        return unknownReports;
    }
}
