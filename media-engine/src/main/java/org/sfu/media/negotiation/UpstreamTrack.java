package org.sfu.media.negotiation;

import java.util.List;
import org.sfu.media.sdp.RtpCodec;

/**
 * A track the participant sends to the server, as its description announces it.
 *
 * @param ssrc the primary SSRC from a=ssrc / a=ssrc-group:FID (RFC 5576), or -1 when the description names none
 *             and the server has to learn it from the first packet
 * @param rtxSsrc the retransmission SSRC (the second of the FID group), or -1
 */
public record UpstreamTrack(String mid, String kind, long ssrc, long rtxSsrc, List<RtpCodec> codecs) {
}
