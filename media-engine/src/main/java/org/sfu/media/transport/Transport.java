package org.sfu.media.transport;

import org.sfu.packet.PacketBuffer;

/**
 * One participant's network path as the router sees it (mediasoup's "Transport"): where a producer's keyframe
 * requests and a consumer's packets, retransmissions and reports are sent. {@link WebRtcTransport} is the one over
 * ICE, DTLS and SRTP; tests use an in-memory one. Implementations may be called from any thread and must not block.
 */
public interface Transport {
    /** Protects (where the transport encrypts) and sends the RTP packet, changing it in place. False if not sent. */
    boolean sendRtp(PacketBuffer packet);

    /** Protects and sends the RTCP compound packet, changing it in place. False if not sent. */
    boolean sendRtcp(PacketBuffer packet);

    /**
     * Sends again, unchanged, an RTP packet this transport already protected and sent: a retransmission to a receiver
     * without RTX (RFC 4585 §6.2.1), which must not repeat an SRTP index with new content (RFC 3711 §3.3.2).
     */
    boolean resendProtectedRtp(byte[] buf, int offset, int length);

    /** True once packets can be sent (SRTP keys exist) and until the transport closes. */
    boolean isConnected();
}
