package org.sfu.media.rtp;

/**
 * The codec of an RTP payload type, by its rtpmap encoding name (RFC 8866 §6.6; names compare case-insensitively,
 * RFC 4855 §3), for what the packet path must know about a payload: whether it is a keyframe, whether it is a
 * retransmission. Resolved once per payload type when a stream is set up, not per packet.
 */
public enum Codec {
    OPUS,
    VP8,
    VP9,
    H264,
    AV1,
    /** RFC 4588 retransmissions of another payload type. */
    RTX,
    /** RFC 2198 redundant audio: blocks of another payload type (Opus), the primary last. */
    RED,
    /** Any other encoding: forwarded as it is, nothing read from its payload. */
    OTHER;

    public static Codec of(String encodingName) {
        if (encodingName == null) {
            return OTHER;
        }
        for (Codec c : values()) {
            if (c != OTHER && c.name().equalsIgnoreCase(encodingName)) {
                return c;
            }
        }
        return OTHER;
    }
}
