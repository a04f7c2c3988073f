package org.sfu.signaling;

import java.net.InetAddress;
import java.net.InetSocketAddress;
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
 * @param tcpPort               ICE-TCP port for clients whose UDP is blocked (SFU_TCP_PORT, default 4443; 0 picks a
 *                              free one, -1 turns ICE-TCP off); served on non-loopback addresses only
 * @param consentTimeoutMillis  a participant whose media path has been silent this long (no packet and no answer to
 *                              the server's consent checks, RFC 7675) leaves its room (SFU_CONSENT_TIMEOUT_MS,
 *                              default 20000)
 * @param reconnectGraceMillis  how long a participant whose WebSocket dropped keeps its place, media and tracks,
 *                              waiting to be resumed (SFU_RECONNECT_GRACE_MS, default 15000; 0: leave at once)
 * @param stunServer            a STUN server asked at start for the server's public address, which is then
 *                              advertised like SFU_PUBLIC_ADDRESS (SFU_STUN_SERVER, host:port, default port 3478;
 *                              default none: the server contacts nothing it was not told to)
 * @param mediaThreads          forwarding threads (SFU_MEDIA_THREADS, default 0: one per core but one)
 * @param webSocketPingMillis   how often the server pings each signaling WebSocket (SFU_WS_PING_MS, default 20000;
 *                              0: never). During a call the signaling is silent for minutes, and proxies, load
 *                              balancers and mobile carriers' NATs close TCP connections idle for 60 s or a few
 *                              minutes; every WebSocket stack answers a ping by itself (RFC 6455 §5.5.2).
 * @param answerTimeoutMillis   how long an offer of the server's may go unanswered before the participant gets an
 *                              {@code answer-timeout} error and the next change makes a new offer
 *                              (SFU_ANSWER_TIMEOUT_MS, default 10000)
 * @param mediaStartTimeoutMillis a participant whose media path is not up this long after it joined (it never
 *                              negotiated, or ICE or DTLS never completed) is removed, as when consent expires
 *                              (SFU_MEDIA_START_TIMEOUT_MS, default 30000): idle connections cannot hold places
 * @param maxMessagesPerSecond  the signaling messages one connection may send per second, with a burst of four
 *                              seconds' worth; a client over it gets a {@code rate-limited} error and is closed with
 *                              1008 (SFU_MAX_MESSAGES_PER_SECOND, default 50; 0: no limit)
 * @param connectionLimits      allowed web origins and caps on connections, in all and per source address
 *                              (SFU_ALLOWED_ORIGINS, SFU_MAX_CONNECTIONS, SFU_MAX_CONNECTIONS_PER_IP)
 * @param authentication        how room access tokens are verified (SFU_AUTH_SECRET, SFU_AUTH_PUBLIC_KEY; default
 *                              none: rooms are open, and the server warns so at start)
 */
public record ServerConfig(int httpPort, int udpPort, InetAddress bindAddress, List<InetAddress> publicAddresses,
                           Path tlsCertificate, Path tlsKey, List<String> iceRemoteNetworks,
                           long firstOfferDelayMillis, int maxMessageBytes, int maxRoomParticipants,
                           double simulatedLoss, IceServers iceServers, int tcpPort, long consentTimeoutMillis,
                           long reconnectGraceMillis, InetSocketAddress stunServer, int mediaThreads,
                           long webSocketPingMillis, long answerTimeoutMillis, long mediaStartTimeoutMillis,
                           int maxMessagesPerSecond, ConnectionLimits connectionLimits,
                           Authentication authentication) {

    public static final int DEFAULT_MAX_ROOM_PARTICIPANTS = 16;
    public static final int DEFAULT_TCP_PORT = 4443;
    public static final long DEFAULT_CONSENT_TIMEOUT_MILLIS = 20_000;
    public static final long DEFAULT_RECONNECT_GRACE_MILLIS = 15_000;
    public static final long DEFAULT_WEBSOCKET_PING_MILLIS = 20_000;
    public static final long DEFAULT_ANSWER_TIMEOUT_MILLIS = 10_000;
    public static final long DEFAULT_MEDIA_START_TIMEOUT_MILLIS = 30_000;
    public static final int DEFAULT_MAX_MESSAGES_PER_SECOND = 50;

    /** The settings before ICE-TCP, consent and reconnection were configurable: TCP off, their defaults. */
    public ServerConfig(int httpPort, int udpPort, InetAddress bindAddress, List<InetAddress> publicAddresses,
                        Path tlsCertificate, Path tlsKey, List<String> iceRemoteNetworks,
                        long firstOfferDelayMillis, int maxMessageBytes, int maxRoomParticipants,
                        double simulatedLoss, IceServers iceServers) {
        this(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey, iceRemoteNetworks,
                firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, simulatedLoss, iceServers, -1,
                DEFAULT_CONSENT_TIMEOUT_MILLIS, DEFAULT_RECONNECT_GRACE_MILLIS, null, 0, DEFAULT_WEBSOCKET_PING_MILLIS,
                DEFAULT_ANSWER_TIMEOUT_MILLIS, DEFAULT_MEDIA_START_TIMEOUT_MILLIS,
                DEFAULT_MAX_MESSAGES_PER_SECOND, ConnectionLimits.defaults(), Authentication.none());
    }

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
        if (connectionLimits == null) {
            connectionLimits = ConnectionLimits.defaults();
        }
        if (authentication == null) {
            authentication = Authentication.none();
        }
        iceRemoteNetworks = List.copyOf(iceRemoteNetworks);
        if ((tlsCertificate == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("SFU_TLS_CERT and SFU_TLS_KEY go together");
        }
        if (mediaThreads < 0) {
            throw new IllegalArgumentException("SFU_MEDIA_THREADS must be 0 (the default count) or more, not " + mediaThreads);
        }
        if (webSocketPingMillis < 0 || webSocketPingMillis > 0 && webSocketPingMillis < 1000) {
            throw new IllegalArgumentException("SFU_WS_PING_MS must be 0 (off) or at least 1000, not "
                    + webSocketPingMillis);
        }
        if (tcpPort < -1 || tcpPort > 65535) {
            throw new IllegalArgumentException("SFU_TCP_PORT must be -1 (off) or a port, not " + tcpPort);
        }
        if (answerTimeoutMillis < 1000) {
            throw new IllegalArgumentException("SFU_ANSWER_TIMEOUT_MS must be at least 1000, not "
                    + answerTimeoutMillis);
        }
        if (maxMessagesPerSecond < 0) {
            throw new IllegalArgumentException("SFU_MAX_MESSAGES_PER_SECOND must be 0 (no limit) or more, not "
                    + maxMessagesPerSecond);
        }
        if (mediaStartTimeoutMillis < 1000) {
            throw new IllegalArgumentException("SFU_MEDIA_START_TIMEOUT_MS must be at least 1000, not "
                    + mediaStartTimeoutMillis);
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
                        number(env, "SFU_TURN_TTL", 86_400, 60, 30L * 86_400)),
                (int) number(env, "SFU_TCP_PORT", DEFAULT_TCP_PORT, -1, 65535),
                number(env, "SFU_CONSENT_TIMEOUT_MS", DEFAULT_CONSENT_TIMEOUT_MILLIS, 1000, 300_000),
                number(env, "SFU_RECONNECT_GRACE_MS", DEFAULT_RECONNECT_GRACE_MILLIS, 0, 600_000),
                hostAndPort("SFU_STUN_SERVER", env.get("SFU_STUN_SERVER"), 3478),
                (int) number(env, "SFU_MEDIA_THREADS", 0, 0, 256),
                number(env, "SFU_WS_PING_MS", DEFAULT_WEBSOCKET_PING_MILLIS, 0, 600_000),
                number(env, "SFU_ANSWER_TIMEOUT_MS", DEFAULT_ANSWER_TIMEOUT_MILLIS, 1000, 600_000),
                number(env, "SFU_MEDIA_START_TIMEOUT_MS", DEFAULT_MEDIA_START_TIMEOUT_MILLIS, 1000, 600_000),
                (int) number(env, "SFU_MAX_MESSAGES_PER_SECOND", DEFAULT_MAX_MESSAGES_PER_SECOND, 0, 100_000),
                new ConnectionLimits(list(env.get("SFU_ALLOWED_ORIGINS")),
                        (int) number(env, "SFU_MAX_CONNECTIONS", ConnectionLimits.DEFAULT_MAX_CONNECTIONS, 0,
                                1_000_000),
                        (int) number(env, "SFU_MAX_CONNECTIONS_PER_IP",
                                ConnectionLimits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, 0, 1_000_000)),
                new Authentication(env.get("SFU_AUTH_SECRET"),
                        Authentication.readPublicKey(env.get("SFU_AUTH_PUBLIC_KEY"))));
    }

    public ServerConfig withPorts(int http, int udp) {
        return new ServerConfig(http, udp, bindAddress, publicAddresses, tlsCertificate, tlsKey, iceRemoteNetworks,
                firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, simulatedLoss, iceServers, tcpPort,
                consentTimeoutMillis, reconnectGraceMillis, stunServer, mediaThreads, webSocketPingMillis,
                answerTimeoutMillis, mediaStartTimeoutMillis,
                maxMessagesPerSecond, connectionLimits, authentication);
    }

    /** The same settings with this simulated loss (tests of loss recovery). */
    public ServerConfig withSimulatedLoss(double loss) {
        return new ServerConfig(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey,
                iceRemoteNetworks, firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, loss, iceServers,
                tcpPort, consentTimeoutMillis, reconnectGraceMillis, stunServer, mediaThreads, webSocketPingMillis,
                answerTimeoutMillis, mediaStartTimeoutMillis,
                maxMessagesPerSecond, connectionLimits, authentication);
    }

    /** The same settings with these ICE servers for clients. */
    public ServerConfig withIceServers(IceServers servers) {
        return new ServerConfig(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey,
                iceRemoteNetworks, firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, simulatedLoss,
                servers, tcpPort, consentTimeoutMillis, reconnectGraceMillis, stunServer, mediaThreads,
                webSocketPingMillis, answerTimeoutMillis, mediaStartTimeoutMillis,
                maxMessagesPerSecond, connectionLimits, authentication);
    }

    /** The same settings on another network: where to bind, what to advertise, whom to accept, the TCP port. */
    public ServerConfig withNetwork(InetAddress bind, List<InetAddress> advertised, List<String> remoteNetworks,
                                    int tcp) {
        return new ServerConfig(httpPort, udpPort, bind, advertised, tlsCertificate, tlsKey, remoteNetworks,
                firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, simulatedLoss, iceServers, tcp,
                consentTimeoutMillis, reconnectGraceMillis, stunServer, mediaThreads, webSocketPingMillis,
                answerTimeoutMillis, mediaStartTimeoutMillis,
                maxMessagesPerSecond, connectionLimits, authentication);
    }

    /** The same settings with these session lifetimes (consent timeout, reconnection grace). */
    public ServerConfig withSessionTimeouts(long consentTimeout, long reconnectGrace) {
        return new ServerConfig(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey,
                iceRemoteNetworks, firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, simulatedLoss,
                iceServers, tcpPort, consentTimeout, reconnectGrace, stunServer, mediaThreads, webSocketPingMillis,
                answerTimeoutMillis, mediaStartTimeoutMillis,
                maxMessagesPerSecond, connectionLimits, authentication);
    }

    /** The same settings with WebSocket pings this often (0: none). */
    public ServerConfig withWebSocketPing(long intervalMillis) {
        return new ServerConfig(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey,
                iceRemoteNetworks, firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, simulatedLoss,
                iceServers, tcpPort, consentTimeoutMillis, reconnectGraceMillis, stunServer, mediaThreads,
                intervalMillis, answerTimeoutMillis, mediaStartTimeoutMillis,
                maxMessagesPerSecond, connectionLimits, authentication);
    }

    /** The same settings with this deadline for answers to the server's offers. */
    public ServerConfig withAnswerTimeout(long millis) {
        return new ServerConfig(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey,
                iceRemoteNetworks, firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, simulatedLoss,
                iceServers, tcpPort, consentTimeoutMillis, reconnectGraceMillis, stunServer, mediaThreads,
                webSocketPingMillis, millis, mediaStartTimeoutMillis, maxMessagesPerSecond,
                connectionLimits, authentication);
    }

    /** The same settings with this limit on each connection's signaling messages per second (0: none). */
    public ServerConfig withMaxMessagesPerSecond(int perSecond) {
        return new ServerConfig(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey,
                iceRemoteNetworks, firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, simulatedLoss,
                iceServers, tcpPort, consentTimeoutMillis, reconnectGraceMillis, stunServer, mediaThreads,
                webSocketPingMillis, answerTimeoutMillis, mediaStartTimeoutMillis, perSecond, connectionLimits,
                authentication);
    }

    /** The same settings with these origins and connection caps. */
    public ServerConfig withConnectionLimits(ConnectionLimits limits) {
        return new ServerConfig(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey,
                iceRemoteNetworks, firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, simulatedLoss,
                iceServers, tcpPort, consentTimeoutMillis, reconnectGraceMillis, stunServer, mediaThreads,
                webSocketPingMillis, answerTimeoutMillis, mediaStartTimeoutMillis, maxMessagesPerSecond, limits,
                authentication);
    }

    /** The same settings with this way of verifying access tokens. */
    public ServerConfig withAuthentication(Authentication auth) {
        return new ServerConfig(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey,
                iceRemoteNetworks, firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, simulatedLoss,
                iceServers, tcpPort, consentTimeoutMillis, reconnectGraceMillis, stunServer, mediaThreads,
                webSocketPingMillis, answerTimeoutMillis, mediaStartTimeoutMillis, maxMessagesPerSecond,
                connectionLimits, auth);
    }

    /** The same settings with this deadline for a participant's media to start. */
    public ServerConfig withMediaStartTimeout(long millis) {
        return new ServerConfig(httpPort, udpPort, bindAddress, publicAddresses, tlsCertificate, tlsKey,
                iceRemoteNetworks, firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants, simulatedLoss,
                iceServers, tcpPort, consentTimeoutMillis, reconnectGraceMillis, stunServer, mediaThreads,
                webSocketPingMillis, answerTimeoutMillis, millis, maxMessagesPerSecond,
                connectionLimits, authentication);
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

    /** SFU_DRAIN_SECONDS: how long a shutdown (SIGTERM) lets calls in progress go on (default 30, 0 to 3600). */
    public static long drainSeconds(Map<String, String> env) {
        return number(env, "SFU_DRAIN_SECONDS", 30, 0, 3600);
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

    /** "host:port", "[v6]:port" or "host" (then the default port). Resolved now: a typo fails at start. */
    private static InetSocketAddress hostAndPort(String name, String v, int defaultPort) {
        if (v == null || v.isBlank()) {
            return null;
        }
        String text = v.trim();
        String host = text;
        int port = defaultPort;
        int colon = text.lastIndexOf(':');
        boolean bracketed = text.startsWith("[");
        if (colon > 0 && (bracketed ? colon > text.indexOf(']') : text.indexOf(':') == colon)) {
            host = text.substring(0, colon);
            try {
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(name + " must be host:port, not '" + v + "'");
            }
        }
        if (bracketed) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(address(name, host), port);
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
