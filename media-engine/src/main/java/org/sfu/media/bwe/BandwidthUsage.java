package org.sfu.media.bwe;

/** The over-use detector's signal (draft-ietf-rmcat-gcc-02 §5.4), which drives the rate controller's state (§5.5). */
public enum BandwidthUsage {
    /** The delay gradient is within the threshold: the queue is not growing. */
    NORMAL,
    /** The delay gradient has stayed above the threshold: a queue is building at the bottleneck. */
    OVERUSE,
    /** The delay gradient is below minus the threshold: a queue is draining. */
    UNDERUSE
}
