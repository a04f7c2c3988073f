package org.sfu.media.router;

/**
 * The streams of one participant's session by the SSRCs that session uses (RFC 3550 §8): what it sends (producers,
 * by the sender's SSRCs) and what it receives (consumers, by the SSRCs the server gave them). RTCP from the
 * participant names streams this way, and can only reach what this participant sends or receives.
 */
interface SessionStreams {
    /** The producer this participant sends under the SSRC (media or RTX), or null. */
    Producer producerBySsrc(long ssrc);

    /** The consumer this participant receives under the SSRC (media or RTX), or null. */
    Consumer consumerBySsrc(long ssrc);

    /** The participant's downlink, which its transport-cc feedback about what it receives is for; null: none. */
    default DownlinkEstimate downlink() {
        return null;
    }
}
