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
 */
public record ConnectionLimits(List<String> allowedOrigins, int maxConnections, int maxConnectionsPerAddress) {
    public static final int DEFAULT_MAX_CONNECTIONS = Settings.MAX_CONNECTIONS.defaultValue();
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = Settings.MAX_CONNECTIONS_PER_IP.defaultValue();

    public ConnectionLimits {
        allowedOrigins = List.copyOf(allowedOrigins);
        if (maxConnections < 0) {
            throw new IllegalArgumentException("SFU_MAX_CONNECTIONS must be 0 (no cap) or more, not " + maxConnections);
        }
        if (maxConnectionsPerAddress < 0) {
            throw new IllegalArgumentException("SFU_MAX_CONNECTIONS_PER_IP must be 0 (no cap) or more, not "
                    + maxConnectionsPerAddress);
        }
        for (String origin : allowedOrigins) {
            if (!origin.matches("https?://[^/\\s]+")) {
                throw new IllegalArgumentException("SFU_ALLOWED_ORIGINS must list origins like https://app.example.com,"
                        + " not '" + origin + "'");
            }
        }
    }

    /** Any origin; 2000 connections, 100 per source address. */
    public static ConnectionLimits defaults() {
        return new ConnectionLimits(List.of(), DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS);
    }
}
