package org.sfu.signaling;

import java.util.List;
import org.sfu.signaling.config.Settings;

/**
 * Who may open a signaling connection (see {@link Admission}).
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
 * @param maxTcpConnectionsPerAddress TCP connections open at once from one source address, of any kind, checked as
 *                                 each is accepted (SFU_MAX_TCP_CONNECTIONS_PER_IP, default 1000; 0: no cap); when
 *                                 both are capped, at least {@code maxConnectionsPerAddress}
 */
public record ConnectionLimits(List<String> allowedOrigins, int maxConnections, int maxConnectionsPerAddress,
                               int maxHandshakes, int maxHandshakesPerAddress, int maxTcpConnectionsPerAddress) {
    public static final int DEFAULT_MAX_CONNECTIONS = Settings.MAX_CONNECTIONS.defaultValue();
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = Settings.MAX_CONNECTIONS_PER_IP.defaultValue();
    public static final int DEFAULT_MAX_HANDSHAKES = Settings.MAX_TLS_HANDSHAKES.defaultValue();
    public static final int DEFAULT_MAX_HANDSHAKES_PER_ADDRESS = Settings.MAX_TLS_HANDSHAKES_PER_IP.defaultValue();
    public static final int DEFAULT_MAX_TCP_CONNECTIONS_PER_ADDRESS =
            Settings.MAX_TCP_CONNECTIONS_PER_IP.defaultValue();

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
        if (maxTcpConnectionsPerAddress < 0) {
            throw new IllegalArgumentException("SFU_MAX_TCP_CONNECTIONS_PER_IP must be 0 (no cap) or more, not "
                    + maxTcpConnectionsPerAddress);
        }
        // Each WebSocket is a TCP connection: a lower cap on those would close, unanswered, the WebSockets the
        // WebSocket cap admits, instead of letting the 429 say why.
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

    /** These origins and WebSocket caps, with the default caps on TLS handshakes and TCP connections. */
    public ConnectionLimits(List<String> allowedOrigins, int maxConnections, int maxConnectionsPerAddress) {
        this(allowedOrigins, maxConnections, maxConnectionsPerAddress, DEFAULT_MAX_HANDSHAKES,
                DEFAULT_MAX_HANDSHAKES_PER_ADDRESS, defaultTcpConnectionsPerAddress(maxConnectionsPerAddress));
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
     * Any origin; 2000 connections, 100 per source address; 1000 TLS handshakes in progress, 100 per address; 1000 TCP
     * connections per address.
     */
    public static ConnectionLimits defaults() {
        return new ConnectionLimits(List.of(), DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS);
    }

    /** These limits with other caps on TLS handshakes in progress. */
    public ConnectionLimits withHandshakeCaps(int inAll, int perAddress) {
        return new ConnectionLimits(allowedOrigins, maxConnections, maxConnectionsPerAddress, inAll, perAddress,
                maxTcpConnectionsPerAddress);
    }

    /** These limits with another cap on TCP connections open per address. */
    public ConnectionLimits withTcpConnectionCap(int perAddress) {
        return new ConnectionLimits(allowedOrigins, maxConnections, maxConnectionsPerAddress, maxHandshakes,
                maxHandshakesPerAddress, perAddress);
    }
}
