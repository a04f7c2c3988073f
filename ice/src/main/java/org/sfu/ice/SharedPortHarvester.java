package org.sfu.ice;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.ice4j.TransportAddress;
import org.ice4j.ice.harvest.SinglePortUdpHarvester;
import org.ice4j.util.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ice4j's single-port harvester for one local address, plus one thing it lacks: letting a local agent send the
 * first connectivity check.
 *
 * <p>The harvester demultiplexes the shared socket by remote address, and learns a remote address only from a STUN
 * Binding request carrying the agent's ufrag. An agent whose peer never checks first (a client talking to a
 * single-port server: our own tests and load generator) could therefore not send or receive anything.
 * {@link #expectPeer} registers the remote address for the agent in advance, exactly as an incoming request would.
 * Only such clients need it: a full ICE peer sends checks in either role (RFC 8445 §7.2), so the server, controlling
 * or controlled, never registers addresses it was merely told about, which also keeps one participant from claiming
 * another's address.
 */
final class SharedPortHarvester extends SinglePortUdpHarvester {

    private static final Logger LOG = LoggerFactory.getLogger(SharedPortHarvester.class);

    private final RemoteNetworks allowedRemoteNetworks;
    private final LongAdder refusedSessions = new LongAdder();
    // Guarded by this. Local ufrags of agents an ICE restart superseded (they get no new remote addresses), and the
    // remote addresses bound to each agent, so that a restart can take back the ones its old agent got by mistake.
    private final Set<String> noNewAddresses = new HashSet<>();
    private final Map<String, List<MySocket>> sessions = new HashMap<>();

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
    protected synchronized MySocket maybeAcceptNewSession(Buffer buf, InetSocketAddress remoteAddress,
                                                       String ufrag) {
        if (!allowedRemoteNetworks.allows(remoteAddress.getAddress())) {
            refusedSessions.increment();
            LOG.debug("Refused a session from {}: outside the allowed remote networks", remoteAddress);
            return null;
        }
        if (ufrag != null && noNewAddresses.contains(ufrag)) {
            // A browser restarting ICE pairs its new sockets with the old remote credentials until our answer
            // arrives, so the first check from a new socket can name the superseded agent. Binding the address to
            // it would send all of that socket's later checks, those for the new agent, to the old one: the
            // restart would never connect. Unanswered, the browser checks again with the new credentials.
            LOG.debug("Not binding {} to the superseded agent with ufrag {}", remoteAddress, ufrag);
            return null;
        }
        MySocket session = super.maybeAcceptNewSession(buf, remoteAddress, ufrag);
        // Which agent a remote address is bound to decides where all its later datagrams go; when an ICE restart
        // goes wrong, this is the line that says whether the new generation's checks reached the new agent.
        if (session != null) {
            sessions.computeIfAbsent(ufrag, u -> new ArrayList<>()).add(session);
            LOG.debug("{} now goes to the agent with ufrag {}", remoteAddress, ufrag);
        } else {
            LOG.debug("Dropped a check from {}: no agent has ufrag {}", remoteAddress, ufrag);
        }
        return session;
    }

    /**
     * An ICE restart (RFC 8445 §9) superseded the agent with this local ufrag: it keeps the remote address of its
     * path, loses any other, and is given no new ones; checks from those addresses go to the new agent. The other
     * addresses are let go because the browser's early checks (see maybeAcceptNewSession) may have reached the
     * server a moment before the restart did.
     *
     * @param path the remote address the agent's media uses, or null if it has none yet
     */
    synchronized void refuseNewAddresses(String localUfrag, InetSocketAddress path) {
        noNewAddresses.add(localUfrag);
        List<MySocket> bound = sessions.getOrDefault(localUfrag, List.of());
        for (Iterator<MySocket> it = bound.iterator(); it.hasNext(); ) {
            MySocket session = it.next();
            if (!session.getRemoteSocketAddress().equals(path)) {
                LOG.debug("{} no longer goes to the superseded agent with ufrag {}", session.getRemoteSocketAddress(),
                        localUfrag);
                it.remove();
                session.close();
            }
        }
    }

    /** Forgets the agent with this local ufrag: it is closed (ice4j has closed its sockets). */
    synchronized void forget(String localUfrag) {
        noNewAddresses.remove(localUfrag);
        sessions.remove(localUfrag);
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
