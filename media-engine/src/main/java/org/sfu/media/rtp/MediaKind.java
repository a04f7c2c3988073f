package org.sfu.media.rtp;

/**
 * What an RTP stream carries (the SDP media type of its m-line, RFC 8866 §5.14, for the types the server
 * forwards). Resolved once per stream, so that the packet path compares an enum, not a string.
 */
public enum MediaKind {
    AUDIO("audio"),
    VIDEO("video");

    private final String sdpName;

    MediaKind(String sdpName) {
        this.sdpName = sdpName;
    }

    /** The media type as SDP writes it. */
    public String sdpName() {
        return sdpName;
    }

    /** @throws IllegalArgumentException for a media type the server does not forward */
    public static MediaKind fromSdp(String media) {
        for (MediaKind k : values()) {
            if (k.sdpName.equals(media)) {
                return k;
            }
        }
        throw new IllegalArgumentException("not an RTP media type the server forwards: " + media);
    }
}
