package org.sfu.media.router;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.sfu.media.transport.Transport;

/**
 * Gets a keyframe to a consumer that has just started (or resumed, or whose receiver just became able to decrypt):
 * its receiver's decoder can do nothing until one arrives. The request goes to the consumer's producer now, then again
 * every {@link #RETRY_MILLIS} until a keyframe has passed through the consumer, at most {@link #RETRIES} times: a
 * request can be lost (RFC 4585 feedback is unreliable), or fall inside the sender's own window for keyframe requests
 * and be ignored. The producer coalesces what several consumers ask at once.
 */
final class KeyframeRetries {
    static final long RETRY_MILLIS = 300;
    static final int RETRIES = 10;

    private final ScheduledExecutorService scheduler;
    /** The receiver's transport: requests are pointless while it cannot receive the keyframe. */
    private final Transport receiver;
    private final BooleanSupplier receiverGone;

    /**
     * @param receiver     the transport of the participant that receives the consumers
     * @param receiverGone true once that participant left: pending retries stop
     */
    KeyframeRetries(ScheduledExecutorService scheduler, Transport receiver, BooleanSupplier receiverGone) {
        this.scheduler = scheduler;
        this.receiver = receiver;
        this.receiverGone = receiverGone;
    }

    /** Asks for a keyframe for {@code c} now, and keeps asking until one went through. */
    void request(Consumer c) {
        if (receiver.isConnected()) {
            c.requestKeyframe(System.nanoTime());
        }
        retry(c, RETRIES);
    }

    private void retry(Consumer c, int triesLeft) {
        if (triesLeft <= 0) {
            return;
        }
        scheduler.schedule(() -> {
            if (!c.isActive() || c.isPaused() || !c.awaitingKeyframe() || receiverGone.getAsBoolean()) {
                return;
            }
            if (receiver.isConnected()) {
                c.requestKeyframe(System.nanoTime());
            }
            retry(c, triesLeft - 1);
        }, RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }
}
