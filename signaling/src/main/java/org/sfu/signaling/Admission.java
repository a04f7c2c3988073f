package org.sfu.signaling;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may open a signaling WebSocket, decided before the upgrade: from an allowed web origin, and within the caps on
 * connections, in all and per source address. Refused requests get an HTTP status and never a session, so a
 * stranger's page or a script opening thousands of sockets costs the server no participant state.
 *
 * <p>The {@code Origin} check is for browsers, which always send the header on a WebSocket upgrade (RFC 6455
 * §4.1): a page of another site cannot use the server with its visitors' browsers. The server's own origin (the
 * demo page it serves; and what some native libraries, Starscream among them, send by default) is always allowed,
 * and so is a request without the header (most native apps); the caps apply to everyone. Thread-safe.
 *
 * <p>Before all this, as each TCP connection is accepted and before its TLS handshake, {@link #gate()} caps the
 * TLS handshakes in progress (in all and per address), what an upgrade request cannot be read without, and the TCP
 * connections open per address.
 *
 * <p>A source address is a {@link SourceAddress}: an IPv6 client's whole /64 counts as one address.
 *
 * @see #reserve(SourceAddress, String, String)
 */
final class Admission {

    /** Why a request was refused, and the HTTP status it gets. */
    record Refusal(int status, String reason) {
    }

    private final Set<String> origins;
    private final int maxConnections;
    private final int maxPerAddress;
    // Guarded by this: a few operations per connection, never per message.
    private int open;
    private final Map<SourceAddress, Integer> openByAddress = new HashMap<>();
    private final AcceptGate gate;

    Admission(ConnectionLimits limits) {
        this.gate = new AcceptGate(limits);
        this.origins = limits.allowedOrigins().stream().map(o -> o.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        this.maxConnections = limits.maxConnections();
        this.maxPerAddress = limits.maxConnectionsPerAddress();
    }

    /**
     * Takes a connection slot for a WebSocket upgrade from {@code address} with this {@code Origin} header (null when
     * absent) to this {@code Host} (the server as the client named it; null when absent). Returns null when
     * admitted: the caller must {@link #release} the slot when the connection closes, or at once if the upgrade
     * fails. Otherwise the refusal, and nothing is taken.
     */
    synchronized Refusal reserve(SourceAddress address, String origin, String host) {
        if (origin != null && !origins.isEmpty() && !origins.contains(origin.toLowerCase(Locale.ROOT))
                && !sameOrigin(origin, host)) {
            return new Refusal(403, "origin " + origin + " is not allowed");
        }
        if (maxConnections > 0 && open >= maxConnections) {
            return new Refusal(503, "the server has its maximum of " + maxConnections + " connections");
        }
        int fromAddress = openByAddress.getOrDefault(address, 0);
        if (maxPerAddress > 0 && fromAddress >= maxPerAddress) {
            return new Refusal(429, "already " + maxPerAddress + " connections from " + address);
        }
        open++;
        openByAddress.put(address, fromAddress + 1);
        return null;
    }

    /** RFC 6454 §5, for the scheme the server serves: the page came from this server itself. */
    private static boolean sameOrigin(String origin, String host) {
        return host != null && origin.equalsIgnoreCase("https://" + host);
    }

    /** Gives back a slot {@link #reserve} took. */
    synchronized void release(SourceAddress address) {
        open--;
        openByAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    /** The caps applied as TCP connections are accepted, before TLS ({@link GatedTransport}). */
    AcceptGate gate() {
        return gate;
    }

    /** Open connections counted now (for tests and logs). */
    synchronized int open() {
        return open;
    }
}
