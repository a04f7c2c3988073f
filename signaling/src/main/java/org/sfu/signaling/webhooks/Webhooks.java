package org.sfu.signaling.webhooks;

import org.sfu.media.counters.CounterRegistry;
import org.sfu.media.router.RoomEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhooks of one server, as the server wires them: off (nothing observes the rooms), or a {@link WebhookSender}
 * fed by a {@link WebhookNotifier} that the media engine tells of its rooms.
 */
public final class Webhooks implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);

    private final WebhookSender sender;
    private final RoomEvents roomEvents;

    private Webhooks(WebhookSender sender) {
        this.sender = sender;
        this.roomEvents = sender == null ? RoomEvents.NONE : new WebhookNotifier(sender);
    }

    /** Starts delivery when {@code settings} names receivers; otherwise webhooks are off. */
    public static Webhooks start(WebhookSettings settings) {
        if (!settings.enabled()) {
            return new Webhooks(null);
        }
        LOG.info("Webhooks to {}, signed (X-Sfu-Signature)", WebhookSender.describeAll(settings.urls()));
        return new Webhooks(new WebhookSender(settings));
    }

    /** What the media engine tells of rooms, participants and tracks. */
    public RoomEvents roomEvents() {
        return roomEvents;
    }

    /** Exports the delivery counters through {@code registry} (nothing when off). */
    public void countIn(CounterRegistry registry) {
        if (sender != null) {
            sender.countIn(registry);
        }
    }

    /** Delivers what is queued for a short while, then stops. Close after the media engine: it reports the leaves. */
    @Override
    public void close() {
        if (sender != null) {
            sender.close();
        }
    }
}
