package org.sfu.signaling;

import java.util.List;
import org.sfu.signaling.config.Settings;

/**
 * Who may open a signaling connection (see {@link Admission}), and what a TCP connection must do to stay open (see
 * {@link AcceptGate}).
 *
 * @param allowedOrigins           web origins ({@code scheme://host[:port]}) a browser's page may connect from
 *                                 (SFU_ALLOWED_ORIGINS, comma-separated; default: any)
 * @param maxConnections           signaling connections open at once, in all (SFU_MAX_CONNECTIONS, default 2000;
 *                                 0: no cap)
 * @param maxConnectionsPerAddress signaling connections open at once from one source address
 *                                 (SFU_MAX_CONNECTIONS_PER_IP, default 100; 0: no cap)
 * @param maxHandshakes            TCP connections in their TLS handshake at once, in all, checked as each is
 *                                 accepted (SFU_MAX_TLS_HANDSHAKES, default 1000; 0: no cap; see {@link AcceptGate})
 * @param maxHandshakesPerAddress  TCP connections in their TLS handshake at once from one source address
 *                                 (SFU_MAX_TLS_HANDSHAKES_PER_IP, default 100; 0: no cap)
 * @param maxTcpConnections        TCP connections open at once, in all, of any kind, checked as each is accepted
 *                                 (SFU_MAX_TCP_CONNECTIONS, default 10000; 0: no cap); when both are capped, at least
 *                                 {@code maxConnections}
 * @param maxTcpConnectionsPerAddress TCP connections open at once from one source address, of any kind, checked as
 *                                 each is accepted (SFU_MAX_TCP_CONNECTIONS_PER_IP, default 1000; 0: no cap); when
 *                                 both are capped, at least {@code maxConnectionsPerAddress}
 * @param maxNewTcpConnectionsPerAddressPerSecond TCP connections let in per second from one source address, with a
 *                                 burst of {@link #NEW_CONNECTION_BURST_SECONDS} seconds' worth
 *                                 (SFU_MAX_NEW_TCP_CONNECTIONS_PER_IP_PER_SECOND, default 50; 0: no cap)
 * @param firstRequestTimeoutMillis how long a TLS connection may go from its accept to its first complete HTTP request
 *                                 head before it is closed (SFU_FIRST_REQUEST_TIMEOUT_MS, default 10000; 0: no
 *                                 deadline)
 * @param httpIdleTimeoutMillis    how long an HTTP connection to the HTTPS port may sit with nothing read or written,
 *                                 once it has made its first request and until it becomes a WebSocket, before it is
 *                                 closed (SFU_HTTP_IDLE_TIMEOUT_MS, default 60000; 0: no timeout; see
 *                                 {@link HttpIdleTimeout})
 */
public record ConnectionLimits(List<String> allowedOrigins, int maxConnections, int maxConnectionsPerAddress,
                               int maxHandshakes, int maxHandshakesPerAddress, int maxTcpConnections,
                               int maxTcpConnectionsPerAddress, int maxNewTcpConnectionsPerAddressPerSecond,
                               long firstRequestTimeoutMillis, long httpIdleTimeoutMillis) {
    public static final int DEFAULT_MAX_CONNECTIONS = Settings.MAX_CONNECTIONS.defaultValue();
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = Settings.MAX_CONNECTIONS_PER_IP.defaultValue();
    public static final int DEFAULT_MAX_HANDSHAKES = Settings.MAX_TLS_HANDSHAKES.defaultValue();
    public static final int DEFAULT_MAX_HANDSHAKES_PER_ADDRESS = Settings.MAX_TLS_HANDSHAKES_PER_IP.defaultValue();
    public static final int DEFAULT_MAX_TCP_CONNECTIONS = Settings.MAX_TCP_CONNECTIONS.defaultValue();
    public static final int DEFAULT_MAX_TCP_CONNECTIONS_PER_ADDRESS =
            Settings.MAX_TCP_CONNECTIONS_PER_IP.defaultValue();
    public static final int DEFAULT_MAX_NEW_TCP_CONNECTIONS_PER_ADDRESS_PER_SECOND =
            Settings.MAX_NEW_TCP_CONNECTIONS_PER_IP_PER_SECOND.defaultValue();
    public static final long DEFAULT_FIRST_REQUEST_TIMEOUT_MILLIS = Settings.FIRST_REQUEST_TIMEOUT.defaultValue();
    public static final long DEFAULT_HTTP_IDLE_TIMEOUT_MILLIS = Settings.HTTP_IDLE_TIMEOUT.defaultValue();
    /** Seconds of the per-address rate of new connections that may arrive at once: a page load's burst, a reload. */
    public static final int NEW_CONNECTION_BURST_SECONDS = 2;

    public ConnectionLimits {
        allowedOrigins = List.copyOf(allowedOrigins);
        if (maxConnections < 0) {
            throw new IllegalArgumentException("SFU_MAX_CONNECTIONS must be 0 (no cap) or more, not " + maxConnections);
        }
        if (maxConnectionsPerAddress < 0) {
            throw new IllegalArgumentException("SFU_MAX_CONNECTIONS_PER_IP must be 0 (no cap) or more, not "
                    + maxConnectionsPerAddress);
        }
        if (maxHandshakes < 0) {
            throw new IllegalArgumentException("SFU_MAX_TLS_HANDSHAKES must be 0 (no cap) or more, not "
                    + maxHandshakes);
        }
        if (maxHandshakesPerAddress < 0) {
            throw new IllegalArgumentException("SFU_MAX_TLS_HANDSHAKES_PER_IP must be 0 (no cap) or more, not "
                    + maxHandshakesPerAddress);
        }
        if (maxTcpConnections < 0) {
            throw new IllegalArgumentException("SFU_MAX_TCP_CONNECTIONS must be 0 (no cap) or more, not "
                    + maxTcpConnections);
        }
        if (maxTcpConnectionsPerAddress < 0) {
            throw new IllegalArgumentException("SFU_MAX_TCP_CONNECTIONS_PER_IP must be 0 (no cap) or more, not "
                    + maxTcpConnectionsPerAddress);
        }
        if (maxNewTcpConnectionsPerAddressPerSecond < 0) {
            throw new IllegalArgumentException("SFU_MAX_NEW_TCP_CONNECTIONS_PER_IP_PER_SECOND must be 0 (no cap) or"
                    + " more, not " + maxNewTcpConnectionsPerAddressPerSecond);
        }
        if (firstRequestTimeoutMillis < 0) {
            throw new IllegalArgumentException("SFU_FIRST_REQUEST_TIMEOUT_MS must be 0 (no deadline) or more, not "
                    + firstRequestTimeoutMillis);
        }
        if (httpIdleTimeoutMillis < 0) {
            throw new IllegalArgumentException("SFU_HTTP_IDLE_TIMEOUT_MS must be 0 (no timeout) or more, not "
                    + httpIdleTimeoutMillis);
        }
        // Each WebSocket is a TCP connection: a lower cap on those would close, unanswered, the WebSockets the
        // WebSocket cap admits, instead of letting the 503 or 429 say why.
        if (maxTcpConnections > 0 && maxTcpConnections < maxConnections) {
            throw new IllegalArgumentException("SFU_MAX_TCP_CONNECTIONS (" + maxTcpConnections
                    + ") must be 0 (no cap) or at least SFU_MAX_CONNECTIONS (" + maxConnections + ")");
        }
        if (maxTcpConnectionsPerAddress > 0 && maxTcpConnectionsPerAddress < maxConnectionsPerAddress) {
            throw new IllegalArgumentException("SFU_MAX_TCP_CONNECTIONS_PER_IP (" + maxTcpConnectionsPerAddress
                    + ") must be 0 (no cap) or at least SFU_MAX_CONNECTIONS_PER_IP (" + maxConnectionsPerAddress + ")");
        }
        for (String origin : allowedOrigins) {
            if (!origin.matches("https?://[^/\\s]+")) {
                throw new IllegalArgumentException("SFU_ALLOWED_ORIGINS must list origins like https://app.example.com,"
                        + " not '" + origin + "'");
            }
        }
    }

    /** These origins and WebSocket caps, with the default caps and deadline on TCP connections. */
    public ConnectionLimits(List<String> allowedOrigins, int maxConnections, int maxConnectionsPerAddress) {
        this(allowedOrigins, maxConnections, maxConnectionsPerAddress, DEFAULT_MAX_HANDSHAKES,
                DEFAULT_MAX_HANDSHAKES_PER_ADDRESS, defaultTcpConnections(maxConnections),
                defaultTcpConnectionsPerAddress(maxConnectionsPerAddress),
                DEFAULT_MAX_NEW_TCP_CONNECTIONS_PER_ADDRESS_PER_SECOND, DEFAULT_FIRST_REQUEST_TIMEOUT_MILLIS,
                DEFAULT_HTTP_IDLE_TIMEOUT_MILLIS);
    }

    /**
     * The cap on TCP connections in all when none is set: 10000, or the WebSocket cap in all when that is higher or off
     * (0), since each WebSocket is a TCP connection.
     */
    public static int defaultTcpConnections(int maxConnections) {
        return maxConnections == 0 ? 0 : Math.max(DEFAULT_MAX_TCP_CONNECTIONS, maxConnections);
    }

    /**
     * The cap on TCP connections per address when none is set: 1000, or the WebSocket cap per address when that is
     * higher or off (0), since each WebSocket is a TCP connection.
     */
    public static int defaultTcpConnectionsPerAddress(int maxConnectionsPerAddress) {
        return maxConnectionsPerAddress == 0 ? 0
                : Math.max(DEFAULT_MAX_TCP_CONNECTIONS_PER_ADDRESS, maxConnectionsPerAddress);
    }

    /**
     * Any origin; 2000 connections, 100 per source address; 1000 TLS handshakes in progress, 100 per address; 10000 TCP
     * connections, 1000 per address, 50 new ones a second per address; 10 s to the first request; HTTP connections
     * idle for 60 s closed.
     */
    public static ConnectionLimits defaults() {
        return new ConnectionLimits(List.of(), DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS);
    }

    /** These limits with other caps on TLS handshakes in progress. */
    public ConnectionLimits withHandshakeCaps(int inAll, int perAddress) {
        return new ConnectionLimits(allowedOrigins, maxConnections, maxConnectionsPerAddress, inAll, perAddress,
                maxTcpConnections, maxTcpConnectionsPerAddress, maxNewTcpConnectionsPerAddressPerSecond,
                firstRequestTimeoutMillis, httpIdleTimeoutMillis);
    }

    /** These limits with another cap on TCP connections open per address. */
    public ConnectionLimits withTcpConnectionCap(int perAddress) {
        return new ConnectionLimits(allowedOrigins, maxConnections, maxConnectionsPerAddress, maxHandshakes,
                maxHandshakesPerAddress, maxTcpConnections, perAddress, maxNewTcpConnectionsPerAddressPerSecond,
                firstRequestTimeoutMillis, httpIdleTimeoutMillis);
    }

    /** These limits with another cap on TCP connections open in all. */
    public ConnectionLimits withTcpConnectionCapInAll(int inAll) {
        return new ConnectionLimits(allowedOrigins, maxConnections, maxConnectionsPerAddress, maxHandshakes,
                maxHandshakesPerAddress, inAll, maxTcpConnectionsPerAddress, maxNewTcpConnectionsPerAddressPerSecond,
                firstRequestTimeoutMillis, httpIdleTimeoutMillis);
    }

    /** These limits with another cap on new TCP connections per second per address (0: none). */
    public ConnectionLimits withNewConnectionRate(int perAddressPerSecond) {
        return new ConnectionLimits(allowedOrigins, maxConnections, maxConnectionsPerAddress, maxHandshakes,
                maxHandshakesPerAddress, maxTcpConnections, maxTcpConnectionsPerAddress, perAddressPerSecond,
                firstRequestTimeoutMillis, httpIdleTimeoutMillis);
    }

    /** These limits with another deadline for a TLS connection's first request (0: none). */
    public ConnectionLimits withFirstRequestTimeout(long millis) {
        return new ConnectionLimits(allowedOrigins, maxConnections, maxConnectionsPerAddress, maxHandshakes,
                maxHandshakesPerAddress, maxTcpConnections, maxTcpConnectionsPerAddress,
                maxNewTcpConnectionsPerAddressPerSecond, millis, httpIdleTimeoutMillis);
    }

    /** These limits with another idle timeout for HTTP connections after their first request (0: none). */
    public ConnectionLimits withHttpIdleTimeout(long millis) {
        return new ConnectionLimits(allowedOrigins, maxConnections, maxConnectionsPerAddress, maxHandshakes,
                maxHandshakesPerAddress, maxTcpConnections, maxTcpConnectionsPerAddress,
                maxNewTcpConnectionsPerAddressPerSecond, firstRequestTimeoutMillis, millis);
    }
}
