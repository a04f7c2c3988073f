package org.sfu.media.router;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.sfu.packet.PacketBuffer;

/**
 * Sends the probe traffic one receiver's estimator asks for ({@link DownlinkEstimate#probePaddingBytes}): padding-only
 * packets on the RTX SSRC of one of its video consumers, with its RTX payload type (RFC 4588 §4 allows padding on
 * RTX, and Chromium, which sends its own probes so, ignores them after noting their arrival), each numbered with the
 * receiver's next transport-wide sequence number like any other packet. A cluster lasts a few tens of milliseconds
 * and wants sending at an even rate, so its owner calls {@link #run} every {@link #STEP_MILLIS} ms while it returns
 * true, and otherwise on the allocation's timer.
 *
 * <p>Threads: one task at a time (its owner schedules the next run only after this one); its buffer is its own.
 */
final class ProbePadding {
    static final long STEP_MILLIS = 2;
    /** A run sends no more than this many packets (a cluster of a few Mbit/s for a few ms). */
    private static final int MAX_PACKETS_PER_RUN = 32;

    private final DownlinkEstimate downlink;
    private final Supplier<List<Consumer>> consumers;
    private final PacketBuffer buffer =
            new PacketBuffer(Consumer.PADDING_HEADER_LENGTH + Consumer.MAX_PADDING + PacketBuffer.TRAILER_ROOM);
    private final LongAdder packets = new LongAdder();
    private final LongAdder bytes = new LongAdder();

    ProbePadding(DownlinkEstimate downlink, Supplier<List<Consumer>> consumers) {
        this.downlink = downlink;
        this.consumers = consumers;
    }

    /**
     * Sends the padding due now. Returns true while the estimator is probing and a consumer can carry it: call again
     * in {@link #STEP_MILLIS} ms.
     */
    boolean run(long nowNanos) {
        if (!downlink.probing()) {
            return false;
        }
        Consumer carrier = null;
        for (Consumer c : consumers.get()) {
            if (c.canCarryPadding()) {
                carrier = c;
                break;
            }
        }
        if (carrier == null) {
            // Nothing to probe on (no video, or the receiver negotiated no RTX or transport-cc): try at the next tick.
            return false;
        }
        for (int i = 0; i < MAX_PACKETS_PER_RUN; i++) {
            int due = downlink.probePaddingBytes(nowNanos);
            if (due <= 0) {
                break;
            }
            int padding = Math.max(1, Math.min(Consumer.MAX_PADDING,
                    due - Consumer.PADDING_HEADER_LENGTH - DownlinkEstimate.SRTP_TAG_LENGTH));
            int sent = carrier.sendPadding(buffer, padding, nowNanos);
            if (sent < 0) {
                return false;
            }
            packets.increment();
            bytes.add(sent);
        }
        return downlink.probing();
    }

    void report(java.util.function.BiConsumer<String, Long> counter) {
        counter.accept("receiver_probe_padding_packets", packets.sum());
        counter.accept("receiver_probe_padding_bytes", bytes.sum());
    }
}
