package org.sfu.ice;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.ice4j.TransportAddress;
import java.util.concurrent.atomic.LongAdder;
import org.ice4j.ice.harvest.SinglePortUdpHarvester;
import org.ice4j.util.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ice4j's single-port harvester for one local address, plus one thing it lacks: letting a local agent send the
 * first connectivity check.
 *
 * <p>The harvester demultiplexes the shared socket by remote address, and learns a remote address only from a STUN
 * Binding request carrying the agent's ufrag. An agent whose peer never checks first (the controlling side talking
 * to a single-port server: our own tests and load generator) could therefore not send or receive anything.
 * {@link #expectPeer} registers the remote address for the agent in advance, exactly as an incoming request would.
 * Only the controlling side needs it: a browser always sends checks (RFC 8445 §7.2), so the server never registers
 * addresses it was merely told about, which also keeps one participant from claiming another's address.
 */
final class SharedPortHarvester extends SinglePortUdpHarvester {

    private static final Logger LOG = LoggerFactory.getLogger(SharedPortHarvester.class);

    private final RemoteNetworks allowedRemoteNetworks;
    private final LongAdder refusedSessions = new LongAdder();

    SharedPortHarvester(TransportAddress localAddress, RemoteNetworks allowedRemoteNetworks) throws IOException {
        super(localAddress);
        this.allowedRemoteNetworks = allowedRemoteNetworks;
    }

    /**
     * ice4j calls this for the first datagram from an unknown remote address (a connectivity check, which may make
     * a peer-reflexive candidate, RFC 8445 §7.3.1.3). Sources outside the allowed networks get no session and no
     * answer, exactly like signalled candidates from there.
     */
    @Override
    protected MySocket maybeAcceptNewSession(Buffer buf, InetSocketAddress remoteAddress, String ufrag) {
        if (!allowedRemoteNetworks.allows(remoteAddress.getAddress())) {
            refusedSessions.increment();
            LOG.debug("Refused a session from {}: outside the allowed remote networks", remoteAddress);
            return null;
        }
        MySocket session = super.maybeAcceptNewSession(buf, remoteAddress, ufrag);
        // Which agent a remote address is bound to decides where all its later datagrams go; when an ICE restart
        // goes wrong, this is the line that says whether the new generation's checks reached the new agent.
        if (session != null) {
            LOG.debug("{} now goes to the agent with ufrag {}", remoteAddress, ufrag);
        } else {
            LOG.debug("Dropped a check from {}: no agent has ufrag {}", remoteAddress, ufrag);
        }
        return session;
    }

    /** Sessions refused because their source was outside the allowed networks. */
    long refusedSessions() {
        return refusedSessions.sum();
    }

    /**
     * Routes datagrams from {@code remote} to the candidate of the agent with local ufrag {@code localUfrag}.
     *
     * @return false if that agent has no candidate on this harvester (closed, or never harvested here)
     */
    boolean expectPeer(InetSocketAddress remote, String localUfrag) {
        // The buffer argument is unused by SinglePortUdpHarvester when it accepts a session.
        return maybeAcceptNewSession(null, remote, localUfrag) != null;
    }
}
