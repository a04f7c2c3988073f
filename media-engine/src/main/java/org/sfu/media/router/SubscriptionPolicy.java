package org.sfu.media.router;

/**
 * Which tracks each participant of a router receives, and whether they flow. The router asks whenever its
 * producers change ({@link Router#subscriptionsChanged()} asks again after the policy itself changed); a
 * participant gets a consumer, and so an m-line, for every track that is not {@link Subscription#NONE}. The packet
 * path only sees the outcome: a consumer that exists, and is paused or not.
 *
 * <p>Publish-only participants (a broadcaster, a WHIP ingest) receive nothing; view-only ones simply send nothing; a
 * tile scrolled out of view is a paused consumer that costs no bandwidth and keeps its m-line for when it returns.
 */
@FunctionalInterface
public interface SubscriptionPolicy {

    /** What a participant gets of one producer. */
    enum Subscription {
        /** No consumer: the track is not offered to the participant. */
        NONE,
        /** A consumer and its m-line, sending nothing. */
        PAUSED,
        /** A consumer that forwards the track. */
        FLOWING
    }

    /**
     * Called by the router, one call at a time, whenever it brings subscriptions up to date: must be quick and must
     * not call back into the router.
     */
    Subscription subscription(String receiverId, Producer producer);

    /** The rule of a call: everyone receives everyone else's tracks. */
    SubscriptionPolicy EVERYONE = (receiver, producer) -> producer.ownerId().equals(receiver)
            ? Subscription.NONE : Subscription.FLOWING;
}
