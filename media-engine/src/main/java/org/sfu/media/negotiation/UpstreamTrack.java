package org.sfu.media.negotiation;

import java.util.List;
import org.sfu.media.sdp.RtpCodec;

/**
 * A track the participant sends to the server, as its description announces it.
 *
 * @param ssrc the primary SSRC from a=ssrc / a=ssrc-group:FID (RFC 5576), or -1 when the description names none
 *             and the server has to learn it from the first packet
 * @param rtxSsrc the retransmission SSRC (the second of the FID group), or -1
 * @param layers  the simulcast layers, lowest first, when the participant sends more than one encoding of the track
 *                (RFC 8853 with rids, or an a=ssrc-group:SIM); empty for a plain track
 */
public record UpstreamTrack(String mid, String kind, long ssrc, long rtxSsrc, List<RtpCodec> codecs,
                            List<Layer> layers) {

    /**
     * One simulcast layer: an RTP stream of its own with its own SSRC (and RTX SSRC).
     *
     * @param rid     its RtpStreamId (RFC 8852), or null when the layer is known by its SSRC only (SIM group)
     * @param ssrc    its SSRC when the description names one, else -1 (learned from the first packet's rid)
     * @param rtxSsrc its retransmission SSRC when named, else -1 (learned from the repaired-rtp-stream-id)
     */
    public record Layer(String rid, long ssrc, long rtxSsrc) {
    }

    public UpstreamTrack {
        layers = List.copyOf(layers);
    }

    /** A plain track: one encoding. */
    public UpstreamTrack(String mid, String kind, long ssrc, long rtxSsrc, List<RtpCodec> codecs) {
        this(mid, kind, ssrc, rtxSsrc, codecs, List.of());
    }

    /** True when the participant sends this track as several simulcast layers. */
    public boolean isSimulcast() {
        return layers.size() > 1;
    }
}
