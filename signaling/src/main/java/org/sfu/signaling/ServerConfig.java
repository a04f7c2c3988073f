package org.sfu.signaling;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.sfu.signaling.config.SettingValues;
import org.sfu.signaling.config.Settings;

/**
 * Every setting of the server, with the embedded defaults that make {@code java -jar} work with no configuration.
 * {@link Settings} is the table of them (file key, environment variable, flag, default, range) and {@link
 * SettingValues} reads them from flags, environment and file; docs/CONFIGURATION.md lists them.
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

    // The defaults live in the table of settings; these names are for code that builds a configuration itself.
    public static final int DEFAULT_MAX_ROOM_PARTICIPANTS = Settings.MAX_ROOM_PARTICIPANTS.defaultValue();
    public static final int DEFAULT_TCP_PORT = Settings.TCP_PORT.defaultValue();
    public static final long DEFAULT_CONSENT_TIMEOUT_MILLIS = Settings.CONSENT_TIMEOUT.defaultValue();
    public static final long DEFAULT_RECONNECT_GRACE_MILLIS = Settings.RECONNECT_GRACE.defaultValue();
    public static final long DEFAULT_WEBSOCKET_PING_MILLIS = Settings.WEBSOCKET_PING.defaultValue();
    public static final long DEFAULT_ANSWER_TIMEOUT_MILLIS = Settings.ANSWER_TIMEOUT.defaultValue();
    public static final long DEFAULT_MEDIA_START_TIMEOUT_MILLIS = Settings.MEDIA_START_TIMEOUT.defaultValue();
    public static final int DEFAULT_MAX_MESSAGES_PER_SECOND = Settings.MAX_MESSAGES_PER_SECOND.defaultValue();

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
        return from(SettingValues.fromEnvironment(env));
    }

    /** The settings as resolved from flags, environment, file and defaults ({@link SettingValues}). */
    public static ServerConfig from(SettingValues v) {
        return new ServerConfig(
                v.get(Settings.HTTP_PORT),
                v.get(Settings.UDP_PORT),
                v.get(Settings.BIND_ADDRESS),
                v.get(Settings.PUBLIC_ADDRESSES),
                v.get(Settings.TLS_CERTIFICATE),
                v.get(Settings.TLS_KEY),
                v.get(Settings.ICE_REMOTE_NETWORKS),
                v.get(Settings.FIRST_OFFER_DELAY),
                v.get(Settings.MAX_MESSAGE_BYTES),
                v.get(Settings.MAX_ROOM_PARTICIPANTS),
                v.get(Settings.SIMULATED_LOSS),
                new IceServers(v.get(Settings.ICE_SERVERS), v.get(Settings.TURN_SECRET), v.get(Settings.TURN_TTL)),
                v.get(Settings.TCP_PORT),
                v.get(Settings.CONSENT_TIMEOUT),
                v.get(Settings.RECONNECT_GRACE),
                v.get(Settings.STUN_SERVER),
                v.get(Settings.MEDIA_THREADS),
                v.get(Settings.WEBSOCKET_PING),
                v.get(Settings.ANSWER_TIMEOUT),
                v.get(Settings.MEDIA_START_TIMEOUT),
                v.get(Settings.MAX_MESSAGES_PER_SECOND),
                new ConnectionLimits(v.get(Settings.ALLOWED_ORIGINS), v.get(Settings.MAX_CONNECTIONS),
                        v.get(Settings.MAX_CONNECTIONS_PER_IP)),
                new Authentication(v.get(Settings.AUTH_SECRET), v.get(Settings.AUTH_PUBLIC_KEY)));
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

    /** SFU_DRAIN_SECONDS: how long a shutdown (SIGTERM) lets calls in progress go on (default 30, 0 to 3600). */
    public static long drainSeconds(Map<String, String> env) {
        return SettingValues.fromEnvironment(env).get(Settings.DRAIN_SECONDS);
    }
}
