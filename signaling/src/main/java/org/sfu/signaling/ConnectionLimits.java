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
 *                                 accepted (SFU_MAX_TLS_HANDSHAKES, default 1000; 0: no cap; see {@link HandshakeGate})
 * @param maxHandshakesPerAddress  TCP connections in their TLS handshake at once from one source address
 *                                 (SFU_MAX_TLS_HANDSHAKES_PER_IP, default 100; 0: no cap)
 */
public record ConnectionLimits(List<String> allowedOrigins, int maxConnections, int maxConnectionsPerAddress,
                               int maxHandshakes, int maxHandshakesPerAddress) {
    public static final int DEFAULT_MAX_CONNECTIONS = Settings.MAX_CONNECTIONS.defaultValue();
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = Settings.MAX_CONNECTIONS_PER_IP.defaultValue();
    public static final int DEFAULT_MAX_HANDSHAKES = Settings.MAX_TLS_HANDSHAKES.defaultValue();
    public static final int DEFAULT_MAX_HANDSHAKES_PER_ADDRESS = Settings.MAX_TLS_HANDSHAKES_PER_IP.defaultValue();

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
        for (String origin : allowedOrigins) {
            if (!origin.matches("https?://[^/\\s]+")) {
                throw new IllegalArgumentException("SFU_ALLOWED_ORIGINS must list origins like https://app.example.com,"
                        + " not '" + origin + "'");
            }
        }
    }

    /** These origins and WebSocket caps, with the default caps on TLS handshakes in progress. */
    public ConnectionLimits(List<String> allowedOrigins, int maxConnections, int maxConnectionsPerAddress) {
        this(allowedOrigins, maxConnections, maxConnectionsPerAddress, DEFAULT_MAX_HANDSHAKES,
                DEFAULT_MAX_HANDSHAKES_PER_ADDRESS);
    }

    /** Any origin; 2000 connections, 100 per source address; 1000 TLS handshakes in progress, 100 per address. */
    public static ConnectionLimits defaults() {
        return new ConnectionLimits(List.of(), DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS);
    }

    /** These limits with other caps on TLS handshakes in progress. */
    public ConnectionLimits withHandshakeCaps(int inAll, int perAddress) {
        return new ConnectionLimits(allowedOrigins, maxConnections, maxConnectionsPerAddress, inAll, perAddress);
    }
}
