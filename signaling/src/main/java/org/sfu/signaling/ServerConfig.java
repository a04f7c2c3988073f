package org.sfu.signaling;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every setting of the server, with the embedded defaults that make {@code java -jar} work with no configuration.
 * Each setting can be given as an environment variable {@code SFU_<NAME>}; docs/CONFIGURATION.md lists them.
 *
 * @param httpPort              HTTPS + WebSocket port (SFU_HTTP_PORT, default 8000; 0 picks a free one)
 * @param udpPort               the one UDP port all media uses (SFU_UDP_PORT, default 10000; 0 picks a free one)
 * @param bindAddress           address to listen on (SFU_BIND_ADDRESS, default every interface)
 * @param publicAddresses       addresses advertised as ICE candidates besides the local ones (SFU_PUBLIC_ADDRESS,
 *                              comma-separated)
 * @param tlsCertificate        PEM certificate chain (SFU_TLS_CERT); with tlsKey replaces the self-signed one
 * @param tlsKey                PEM private key (SFU_TLS_KEY)
 * @param iceRemoteNetworks     CIDRs the server accepts remote ICE candidates from (SFU_ICE_REMOTE_NETWORKS,
 *                              comma-separated; default any)
 * @param firstOfferDelayMillis how long to wait for a new client's own offer before offering to it
 *                              (SFU_FIRST_OFFER_DELAY_MS, default 1500)
 * @param maxMessageBytes       largest signaling message accepted (SFU_MAX_MESSAGE_BYTES, default 262144)
 * @param maxRoomParticipants   joins beyond this many participants in one room are refused
 *                              (SFU_MAX_ROOM_PARTICIPANTS, default 16)
 * @param simulatedLoss         for testing loss recovery only: the fraction of RTP the server sends that it drops on
 *                              purpose (SFU_SIMULATED_LOSS, default 0)
 * @param iceServers            STUN/TURN servers handed to clients (SFU_ICE_SERVERS, SFU_TURN_SECRET, SFU_TURN_TTL;
 *                              default none)
 */
public record ServerConfig(int httpPort, int udpPort, InetAddress bindAddress, List<InetAddress> publicAddresses,
                           Path tlsCertificate, Path tlsKey, List<String> iceRemoteNetworks,
                           long firstOfferDelayMillis, int maxMessageBytes, int maxRoomParticipants,
                           double simulatedLoss, IceServers iceServers) {

    public static final int DEFAULT_MAX_ROOM_PARTICIPANTS = 16;

    /** All settings but the ICE servers for clients, which are none. */
    public ServerConfig(int httpPort, int udpPort, InetAddress bindAddress, List<InetAddress> publicAddresses,
                        Path tlsCertificate, Path tlsKey, List<String> iceRemoteNetworks,
                        long firstOfferDelayMillis, int maxMessageBytes, int maxRoomParticipants,
                        double simulatedLoss) {
        this(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey, iceRemoteNetworks,
                firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, simulatedLoss, IceServers.none());
    }

    /** All settings but the simulated loss, which is 0. */
    public ServerConfig(int httpPort, int udpPort, InetAddress bindAddress, List<InetAddress> publicAddresses,
                        Path tlsCertificate, Path tlsKey, List<String> iceRemoteNetworks,
                        long firstOfferDelayMillis, int maxMessageBytes, int maxRoomParticipants) {
        this(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey, iceRemoteNetworks,
                firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, 0);
    }

    /** All settings but the room size, which keeps its default. */
    public ServerConfig(int httpPort, int udpPort, InetAddress bindAddress, List<InetAddress> publicAddresses,
                        Path tlsCertificate, Path tlsKey, List<String> iceRemoteNetworks,
                        long firstOfferDelayMillis, int maxMessageBytes) {
        this(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey, iceRemoteNetworks,
                firstOfferDelayMillis, maxMessageBytes, DEFAULT_MAX_ROOM_PARTICIPANTS);
    }

    public ServerConfig {
        publicAddresses = List.copyOf(publicAddresses);
        iceRemoteNetworks = List.copyOf(iceRemoteNetworks);
        if ((tlsCertificate == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("SFU_TLS_CERT and SFU_TLS_KEY go together");
        }
    }

    /** The embedded default: port 8000, UDP 10000, every interface, a self-signed certificate. */
    public static ServerConfig defaults() {
        return fromEnvironment(Map.of());
    }

    /** Reads SFU_* variables; anything absent keeps its default. Throws IllegalArgumentException on bad values. */
    public static ServerConfig fromEnvironment(Map<String, String> env) {
        return new ServerConfig(
                port(env, "SFU_HTTP_PORT", 8000),
                port(env, "SFU_UDP_PORT", 10000),
                address("SFU_BIND_ADDRESS", env.get("SFU_BIND_ADDRESS")),
                addresses("SFU_PUBLIC_ADDRESS", env.get("SFU_PUBLIC_ADDRESS")),
                path(env.get("SFU_TLS_CERT")),
                path(env.get("SFU_TLS_KEY")),
                networks("SFU_ICE_REMOTE_NETWORKS", env.get("SFU_ICE_REMOTE_NETWORKS")),
                number(env, "SFU_FIRST_OFFER_DELAY_MS", 1500, 0, 60_000),
                (int) number(env, "SFU_MAX_MESSAGE_BYTES", 262_144, 1024, 16 * 1024 * 1024),
                (int) number(env, "SFU_MAX_ROOM_PARTICIPANTS", DEFAULT_MAX_ROOM_PARTICIPANTS, 1, 1000),
                fraction(env, "SFU_SIMULATED_LOSS"),
                new IceServers(list(env.get("SFU_ICE_SERVERS")),
                        env.get("SFU_TURN_SECRET") == null || env.get("SFU_TURN_SECRET").isEmpty()
                                ? null : env.get("SFU_TURN_SECRET"),
                        number(env, "SFU_TURN_TTL", 86_400, 60, 30L * 86_400)));
    }

    public ServerConfig withPorts(int http, int udp) {
        return new ServerConfig(http, udp, bindAddress, publicAddresses, tlsCertificate, tlsKey, iceRemoteNetworks,
                firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, simulatedLoss, iceServers);
    }

    /** The same settings with this simulated loss (tests of loss recovery). */
    public ServerConfig withSimulatedLoss(double loss) {
        return new ServerConfig(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey,
                iceRemoteNetworks, firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, loss, iceServers);
    }

    /** The same settings with these ICE servers for clients. */
    public ServerConfig withIceServers(IceServers servers) {
        return new ServerConfig(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey,
                iceRemoteNetworks, firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, simulatedLoss,
                servers);
    }

    private static double fraction(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (d >= 0 && d < 1) {
                return d;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw new IllegalArgumentException(name + " must be a fraction from 0 to below 1, not '" + v + "'");
    }

    private static int port(Map<String, String> env, String name, int fallback) {
        return (int) number(env, name, fallback, 0, 65535);
    }

    private static long number(Map<String, String> env, String name, long fallback, long min, long max) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, not '" + v + "'");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", not " + n);
        }
        return n;
    }

    private static InetAddress address(String name, String v) {
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return InetAddress.getByName(v.trim());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(name + " must be an address, not '" + v + "'");
        }
    }

    private static List<InetAddress> addresses(String name, String v) {
        List<InetAddress> out = new ArrayList<>();
        for (String s : list(v)) {
            out.add(address(name, s));
        }
        return out;
    }

    /** CIDRs are checked here so that a typo names its variable instead of failing later inside ICE. */
    private static List<String> networks(String name, String v) {
        List<String> out = list(v);
        for (String cidr : out) {
            int slash = cidr.indexOf('/');
            InetAddress base = address(name, slash < 0 ? cidr : cidr.substring(0, slash));
            int max = base.getAddress().length * 8;
            try {
                int prefix = slash < 0 ? max : Integer.parseInt(cidr.substring(slash + 1));
                if (prefix < 0 || prefix > max) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must list networks like 10.0.0.0/8, not '" + cidr + "'");
            }
        }
        return out;
    }

    private static List<String> list(String v) {
        List<String> out = new ArrayList<>();
        if (v != null) {
            for (String s : v.split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    private static Path path(String v) {
        return v == null || v.isBlank() ? null : Path.of(v.trim());
    }
}
