package org.sfu.media.negotiation;

/**
 * A track the server sends to the participant: another participant's producer as seen by this receiver.
 *
 * @param id       stable id of the consumer (binds it to one m-line across renegotiations)
 * @param streamId the msid stream id (RFC 8830): the sending participant's id, so its audio and video share a stream
 * @param trackId  the msid track id
 * @param rtxSsrc  the SSRC the server retransmits this track on (RFC 4588), or -1 for none
 */
public record DownstreamTrack(String id, String kind, long ssrc, String streamId, String trackId, long rtxSsrc) {
}
