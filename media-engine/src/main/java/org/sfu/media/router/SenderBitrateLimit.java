package org.sfu.media.router;

import java.util.List;
import org.sfu.media.rtcp.Remb;
import org.sfu.packet.PacketBuffer;

/**
 * Tells the sender of a video sent as one stream the most that any of its receivers can take, with REMB
 * (draft-alvestrand-rmcat-remb-03 §2), so that its encoder does not send more than every receiver's downlink carries.
 * The sender's own congestion control sees only its uplink to the server: without this, a 1:1 call whose receiver is
 * on a weak downlink got the sender's full rate, lost what did not fit and froze (only simulcast videos have a layer
 * to fall back on, {@link BandwidthAllocation}). libwebrtc applies a REMB as an upper bound on its send-side estimate
 * (its "receiver limit"), alongside transport-cc.
 *
 * <p>The limit is the highest allowance among the receivers that consume the video (each receiver's allocation gives
 * its consumer one, {@link Consumer#senderAllowanceBps()}): no more than the best-placed receiver needs, so that one
 * weak receiver does not lower the picture of the others (it loses what its path cannot carry, as before). No limit
 * while any receiver gives no estimate (no transport-cc feedback) or nobody consumes the video. Simulcast videos get
 * none: their receivers pick a layer, and a limit below the top layers would make the sender stop them, so that no
 * receiver could ever be moved up to them again.
 *
 * <p>Sent on the sender's feedback tick ({@link ReceiverFeedback}): at once when the limit falls by more than
 * {@link #PROMPT_DECREASE} (libwebrtc's receive-side estimator sends a REMB at once on a 3 % decrease for the same
 * reason: a sender overshooting a downlink loses packets every moment), otherwise once every {@link #REFRESH_NANOS};
 * once a limit has been sent, its lifting is sent too, as a limit of {@link #UNLIMITED_BPS} (the sender keeps the last
 * REMB it got).
 *
 * <p>Threads: the sender's feedback tick only (one at a time).
 */
final class SenderBitrateLimit {
    static final double PROMPT_DECREASE = 0.03;
    static final long REFRESH_NANOS = 1_000_000_000L;
    /** What "no limit" is sent as once a limit has been: far above any camera's rate. */
    static final long UNLIMITED_BPS = 100_000_000L;
    /** Never less: below this a video stream is a still picture, and libwebrtc's own minimum is about as low. */
    static final long MIN_BPS = 30_000;

    private final Producer video;
    private final long senderSsrc;
    private long lastSentBps = -1;
    private long lastSentNanos;

    /**
     * @param video      a video the sender sends as one stream and for which it negotiated {@code goog-remb}
     * @param senderSsrc the SSRC the server puts in its own RTCP toward the sender
     */
    SenderBitrateLimit(Producer video, long senderSsrc) {
        this.video = video;
        this.senderSsrc = senderSsrc;
    }

    /**
     * The limit now: the highest allowance among the receivers that consume the video, at least {@link #MIN_BPS}; or
     * -1 for none.
     */
    static long limit(List<Consumer> consumers) {
        long limit = -1;
        for (Consumer c : consumers) {
            if (!c.isActive() || c.isPaused() || c.isPausedForBandwidth()) {
                continue;
            }
            long allowance = c.senderAllowanceBps();
            if (allowance < 0) {
                return -1;
            }
            limit = Math.max(limit, Math.max(MIN_BPS, allowance));
        }
        return limit;
    }

    /** Sends the limit when it is due (see the class comment). Returns whether a REMB went out. */
    boolean tick(long nowNanos) {
        long ssrc = video.ssrc();
        if (ssrc < 0) {
            return false;
        }
        long limit = limit(video.consumers());
        long bps = limit < 0 ? UNLIMITED_BPS : limit;
        if (lastSentBps < 0 && limit < 0) {
            // Never limited: nothing to say.
            return false;
        }
        boolean due = lastSentBps < 0 || bps < lastSentBps * (1 - PROMPT_DECREASE)
                || nowNanos - lastSentNanos >= REFRESH_NANOS;
        if (!due) {
            return false;
        }
        byte[] remb = Remb.build(senderSsrc, bps, ssrc);
        if (!video.sender().sendRtcp(PacketBuffer.copyOf(remb, 0, remb.length))) {
            return false;
        }
        if (lastSentBps == UNLIMITED_BPS && bps == UNLIMITED_BPS) {
            // Lifted and said so: quiet again until the next limit.
            lastSentBps = -1;
        } else {
            lastSentBps = bps;
        }
        lastSentNanos = nowNanos;
        return true;
    }
}
