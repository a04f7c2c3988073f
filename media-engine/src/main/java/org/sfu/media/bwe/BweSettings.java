package org.sfu.media.bwe;

/**
 * The bounds of one receiver's estimate, in bits per second: where it starts and the range it is kept in
 * (draft-ietf-rmcat-gcc-02 §6: the final estimate is bounded by what the application can send, and never goes to
 * zero, so feedback keeps coming).
 */
public record BweSettings(long startBps, long minBps, long maxBps) {
    /** 300 kbit/s to start, as libwebrtc does for video; 30 kbit/s (audio alone) to 20 Mbit/s. */
    public static final BweSettings DEFAULT = new BweSettings(300_000, 30_000, 20_000_000);

    public BweSettings {
        if (minBps <= 0 || maxBps < minBps || startBps < minBps || startBps > maxBps) {
            throw new IllegalArgumentException(
                    "need 0 < min <= start <= max: min " + minBps + ", start " + startBps + ", max " + maxBps);
        }
    }

    long clamp(long bps) {
        return Math.max(minBps, Math.min(maxBps, bps));
    }
}
