/**
 * ICE (RFC 8445) for the SFU, on ice4j: where a datagram enters and leaves the server.
 *
 * <p>The path of a packet: {@link org.sfu.ice.IceEndpoint} owns the one shared UDP port (one ice4j single-port
 * harvester per local address, all on the same port). The harvester's receive thread hands STUN to the ice4j
 * {@code Agent} of the participant it belongs to (found by ufrag, then by remote address), and pushes everything
 * else to that participant's {@link org.sfu.ice.IceTransport}, which keeps DTLS and RTP/RTCP
 * ({@link org.sfu.ice.DatagramKind}, RFC 7983) and hands them to its {@link org.sfu.ice.IceTransport.Listener}.
 * Outgoing datagrams go through {@link org.sfu.ice.IceTransport#send} to the selected pair.
 *
 * <p>Where the rules live: candidate syntax (RFC 8839 §5.1) in {@link org.sfu.ice.IceCandidate}; local candidate
 * priorities (RFC 8445 §5.1.2) in {@code CandidatePriority}; first-byte demultiplexing (RFC 7983 §7) in
 * {@link org.sfu.ice.DatagramKind}; which remote candidates may be checked in {@code IceTransport#addRemoteCandidate}
 * and {@code AddressBlock}; process-wide ice4j settings in {@code Ice4jConfiguration}.
 */
package org.sfu.ice;
