package org.sfu.signaling;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.sfu.signaling.config.SettingValues;
import org.sfu.signaling.config.Settings;

/**
 * Every setting of the server, grouped as the configuration file groups them, with the embedded defaults that make
 * {@code java -jar} work with no configuration. {@link Settings} is the table of them (file key, environment
 * variable, flag, default, range) and {@link SettingValues} reads them from flags, environment and file;
 * docs/CONFIGURATION.md lists them.
 *
 * @param network          where the server listens and what it advertises ({@code network.*})
 * @param tls              the HTTPS certificate, or a self-signed one ({@code tls.*})
 * @param iceServers       STUN/TURN servers handed to clients ({@code ice-servers.*}; default none)
 * @param sessions         how long the server waits for what ({@code sessions.*})
 * @param limits           what one signaling connection and one room accept ({@code limits.*})
 * @param connectionLimits allowed web origins and caps on connections, in all and per source address
 * @param authentication   how room access tokens are verified (default none: rooms are open, and the server warns
 *                         so at start)
 * @param media            forwarding threads and the test-only simulated loss ({@code media.*})
 */
public record ServerConfig(Network network, Tls tls, IceServers iceServers, Sessions sessions,
                           Limits limits, ConnectionLimits connectionLimits,
                           Authentication authentication, Media media) {

    // The defaults live in the table of settings; these names are for code that builds a configuration itself.
    public static final int DEFAULT_MAX_ROOM_PARTICIPANTS = Settings.MAX_ROOM_PARTICIPANTS.defaultValue();
    public static final int DEFAULT_TCP_PORT = Settings.TCP_PORT.defaultValue();
    public static final long DEFAULT_CONSENT_TIMEOUT_MILLIS = Settings.CONSENT_TIMEOUT.defaultValue();
    public static final long DEFAULT_RECONNECT_GRACE_MILLIS = Settings.RECONNECT_GRACE.defaultValue();
    public static final long DEFAULT_WEBSOCKET_PING_MILLIS = Settings.WEBSOCKET_PING.defaultValue();
    public static final long DEFAULT_ANSWER_TIMEOUT_MILLIS = Settings.ANSWER_TIMEOUT.defaultValue();
    public static final long DEFAULT_MEDIA_START_TIMEOUT_MILLIS = Settings.MEDIA_START_TIMEOUT.defaultValue();
    public static final int DEFAULT_MAX_MESSAGES_PER_SECOND = Settings.MAX_MESSAGES_PER_SECOND.defaultValue();

    /**
     * Where the server listens and what it advertises.
     *
     * @param httpPort          HTTPS + WebSocket port (0 picks a free one)
     * @param udpPort           the one UDP port all media uses (0 picks a free one)
     * @param tcpPort           ICE-TCP port for clients whose UDP is blocked (0 picks a free one, -1 turns ICE-TCP
     *                          off); served on non-loopback addresses only
     * @param bindAddress       address to listen on, or null for every interface
     * @param publicAddresses   addresses advertised as ICE candidates besides the local ones
     * @param stunServer        a STUN server asked at start for the server's public address, which is then
     *                          advertised like publicAddresses; null: the server contacts nothing it was not told to
     * @param iceRemoteNetworks CIDRs the server accepts remote ICE candidates from (empty: any)
     */
    public record Network(int httpPort, int udpPort, int tcpPort, InetAddress bindAddress,
                          List<InetAddress> publicAddresses, InetSocketAddress stunServer,
                          List<String> iceRemoteNetworks) {
        public Network {
            publicAddresses = List.copyOf(publicAddresses);
            iceRemoteNetworks = List.copyOf(iceRemoteNetworks);
            if (tcpPort < -1 || tcpPort > 65535) {
                throw new IllegalArgumentException("SFU_TCP_PORT must be -1 (off) or a port, not " + tcpPort);
            }
        }

        public Network withPorts(int http, int udp) {
            return new Network(http, udp, tcpPort, bindAddress, publicAddresses, stunServer, iceRemoteNetworks);
        }
    }

    /**
     * The HTTPS certificate: both files, or neither for a self-signed certificate made at each start.
     *
     * @param certificate PEM certificate chain, or null
     * @param key         PEM private key, or null
     */
    public record Tls(Path certificate, Path key) {
        public Tls {
            if ((certificate == null) != (key == null)) {
                throw new IllegalArgumentException("tls.certificate (SFU_TLS_CERT) and tls.key (SFU_TLS_KEY) go "
                        + "together: give both, or neither for a self-signed certificate");
            }
        }

        public static Tls selfSigned() {
            return new Tls(null, null);
        }

        public boolean isSelfSigned() {
            return certificate == null;
        }
    }

    /**
     * How long the server waits for what.
     *
     * @param firstOfferDelayMillis   how long to wait for a new client's own offer before offering to it
     * @param answerTimeoutMillis     how long an offer of the server's may go unanswered before the participant gets
     *                                an {@code answer-timeout} error and the next change makes a new offer
     * @param mediaStartTimeoutMillis a participant whose media path is not up this long after it joined is removed,
     *                                as when consent expires: idle connections cannot hold places
     * @param consentTimeoutMillis    a participant whose media path has been silent this long (no packet and no
     *                                answer to the server's consent checks, RFC 7675) leaves its room
     * @param reconnectGraceMillis    how long a participant whose WebSocket dropped keeps its place, media and
     *                                tracks, waiting to be resumed (0: leave at once)
     * @param webSocketPingMillis     how often the server pings each signaling WebSocket (0: never). During a call
     *                                the signaling is silent for minutes, and proxies, load balancers and mobile
     *                                carriers' NATs close TCP connections idle for 60 s or a few minutes; every
     *                                WebSocket stack answers a ping by itself (RFC 6455 §5.5.2).
     */
    public record Sessions(long firstOfferDelayMillis, long answerTimeoutMillis, long mediaStartTimeoutMillis,
                           long consentTimeoutMillis, long reconnectGraceMillis, long webSocketPingMillis) {
        public Sessions {
            if (webSocketPingMillis < 0 || webSocketPingMillis > 0 && webSocketPingMillis < 1000) {
                throw new IllegalArgumentException("SFU_WS_PING_MS must be 0 (off) or at least 1000, not "
                        + webSocketPingMillis);
            }
            if (answerTimeoutMillis < 1000) {
                throw new IllegalArgumentException("SFU_ANSWER_TIMEOUT_MS must be at least 1000, not "
                        + answerTimeoutMillis);
            }
            if (mediaStartTimeoutMillis < 1000) {
                throw new IllegalArgumentException("SFU_MEDIA_START_TIMEOUT_MS must be at least 1000, not "
                        + mediaStartTimeoutMillis);
            }
        }

        /** The defaults of every timeout, with this first-offer delay. */
        public static Sessions withFirstOfferDelay(long firstOfferDelayMillis) {
            return new Sessions(firstOfferDelayMillis, DEFAULT_ANSWER_TIMEOUT_MILLIS,
                    DEFAULT_MEDIA_START_TIMEOUT_MILLIS, DEFAULT_CONSENT_TIMEOUT_MILLIS, DEFAULT_RECONNECT_GRACE_MILLIS,
                    DEFAULT_WEBSOCKET_PING_MILLIS);
        }
    }

    /**
     * What one signaling connection and one room accept ({@code limits.*}; the caps on connections are in
     * {@link ConnectionLimits}, which the admission of connections reads alone).
     *
     * @param maxMessageBytes      largest signaling message accepted
     * @param maxMessagesPerSecond the messages one connection may send per second, with a burst of four seconds'
     *                             worth; a client over it gets a {@code rate-limited} error and is closed with 1008
     *                             (0: no limit)
     * @param maxRoomParticipants  joins beyond this many participants in one room are refused
     */
    public record Limits(int maxMessageBytes, int maxMessagesPerSecond, int maxRoomParticipants) {
        public Limits {
            if (maxMessagesPerSecond < 0) {
                throw new IllegalArgumentException("SFU_MAX_MESSAGES_PER_SECOND must be 0 (no limit) or more, not "
                        + maxMessagesPerSecond);
            }
        }
    }

    /**
     * The forwarding side ({@code media.*}).
     *
     * @param threads       forwarding threads (0: one per core but one)
     * @param simulatedLoss for testing loss recovery only: the fraction of RTP the server sends that it drops on
     *                      purpose
     */
    public record Media(int threads, double simulatedLoss) {
        public Media {
            if (threads < 0) {
                throw new IllegalArgumentException("SFU_MEDIA_THREADS must be 0 (the default count) or more, not "
                        + threads);
            }
        }
    }

    public ServerConfig {
        if (connectionLimits == null) {
            connectionLimits = ConnectionLimits.defaults();
        }
        if (authentication == null) {
            authentication = Authentication.none();
        }
        if (iceServers == null) {
            iceServers = IceServers.none();
        }
        if (tls == null) {
            tls = Tls.selfSigned();
        }
    }

    /**
     * The settings tests and tools start from: these ports, addresses, first-offer delay, message size and room
     * size; ICE-TCP off; every other setting its default.
     */
    public ServerConfig(int httpPort, int udpPort, InetAddress bindAddress, List<InetAddress> publicAddresses,
                        Path tlsCertificate, Path tlsKey, List<String> iceRemoteNetworks,
                        long firstOfferDelayMillis, int maxMessageBytes, int maxRoomParticipants) {
        this(new Network(httpPort, udpPort, -1, bindAddress, publicAddresses, null, iceRemoteNetworks),
                new Tls(tlsCertificate, tlsKey), IceServers.none(), Sessions.withFirstOfferDelay(firstOfferDelayMillis),
                new Limits(maxMessageBytes, DEFAULT_MAX_MESSAGES_PER_SECOND, maxRoomParticipants),
                ConnectionLimits.defaults(), Authentication.none(), new Media(0, 0));
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
                new Network(v.get(Settings.HTTP_PORT), v.get(Settings.UDP_PORT), v.get(Settings.TCP_PORT),
                        v.get(Settings.BIND_ADDRESS), v.get(Settings.PUBLIC_ADDRESSES), v.get(Settings.STUN_SERVER),
                        v.get(Settings.ICE_REMOTE_NETWORKS)),
                new Tls(v.get(Settings.TLS_CERTIFICATE), v.get(Settings.TLS_KEY)),
                new IceServers(v.get(Settings.ICE_SERVERS), v.get(Settings.TURN_SECRET), v.get(Settings.TURN_TTL)),
                new Sessions(v.get(Settings.FIRST_OFFER_DELAY), v.get(Settings.ANSWER_TIMEOUT),
                        v.get(Settings.MEDIA_START_TIMEOUT), v.get(Settings.CONSENT_TIMEOUT),
                        v.get(Settings.RECONNECT_GRACE), v.get(Settings.WEBSOCKET_PING)),
                new Limits(v.get(Settings.MAX_MESSAGE_BYTES), v.get(Settings.MAX_MESSAGES_PER_SECOND),
                        v.get(Settings.MAX_ROOM_PARTICIPANTS)),
                new ConnectionLimits(v.get(Settings.ALLOWED_ORIGINS), v.get(Settings.MAX_CONNECTIONS),
                        v.get(Settings.MAX_CONNECTIONS_PER_IP), v.get(Settings.MAX_TLS_HANDSHAKES),
                        v.get(Settings.MAX_TLS_HANDSHAKES_PER_IP),
                        v.source(Settings.MAX_TCP_CONNECTIONS) == SettingValues.Source.DEFAULT
                                ? ConnectionLimits.defaultTcpConnections(v.get(Settings.MAX_CONNECTIONS))
                                : v.get(Settings.MAX_TCP_CONNECTIONS),
                        v.source(Settings.MAX_TCP_CONNECTIONS_PER_IP) == SettingValues.Source.DEFAULT
                                ? ConnectionLimits.defaultTcpConnectionsPerAddress(
                                        v.get(Settings.MAX_CONNECTIONS_PER_IP))
                                : v.get(Settings.MAX_TCP_CONNECTIONS_PER_IP),
                        v.get(Settings.MAX_NEW_TCP_CONNECTIONS_PER_IP_PER_SECOND),
                        v.get(Settings.FIRST_REQUEST_TIMEOUT), v.get(Settings.HTTP_IDLE_TIMEOUT)),
                new Authentication(v.get(Settings.AUTH_SECRET), v.get(Settings.AUTH_PUBLIC_KEY)),
                new Media(v.get(Settings.MEDIA_THREADS), v.get(Settings.SIMULATED_LOSS)));
    }

    /** SFU_DRAIN_SECONDS: how long a shutdown (SIGTERM) lets calls in progress go on (default 30, 0 to 3600). */
    public static long drainSeconds(Map<String, String> env) {
        return SettingValues.fromEnvironment(env).get(Settings.DRAIN_SECONDS);
    }

    // One group replaced, the others kept: what tests use to vary the setting they are about.

    public ServerConfig withNetwork(Network n) {
        return new ServerConfig(n, tls, iceServers, sessions, limits, connectionLimits, authentication, media);
    }

    public ServerConfig withSessions(Sessions s) {
        return new ServerConfig(network, tls, iceServers, s, limits, connectionLimits, authentication, media);
    }

    public ServerConfig withMedia(Media m) {
        return new ServerConfig(network, tls, iceServers, sessions, limits, connectionLimits, authentication, m);
    }

    public ServerConfig withLimits(Limits l) {
        return new ServerConfig(network, tls, iceServers, sessions, l, connectionLimits, authentication, media);
    }

    /** The same settings with these ICE servers for clients. */
    public ServerConfig withIceServers(IceServers servers) {
        return new ServerConfig(network, tls, servers, sessions, limits, connectionLimits, authentication, media);
    }

    /** The same settings with these origins and connection caps. */
    public ServerConfig withConnectionLimits(ConnectionLimits caps) {
        return new ServerConfig(network, tls, iceServers, sessions, limits, caps, authentication, media);
    }

    /** The same settings with this way of verifying access tokens. */
    public ServerConfig withAuthentication(Authentication auth) {
        return new ServerConfig(network, tls, iceServers, sessions, limits, connectionLimits, auth, media);
    }

    // Shorthands for one setting within a group.

    public ServerConfig withPorts(int http, int udp) {
        return withNetwork(network.withPorts(http, udp));
    }

    /** The same settings on another network: where to bind, what to advertise, whom to accept, the TCP port. */
    public ServerConfig withNetwork(InetAddress bind, List<InetAddress> advertised, List<String> remoteNetworks,
                                    int tcp) {
        return withNetwork(new Network(network.httpPort(), network.udpPort(), tcp, bind, advertised,
                network.stunServer(), remoteNetworks));
    }

    /** The same settings with this simulated loss (tests of loss recovery). */
    public ServerConfig withSimulatedLoss(double loss) {
        return withMedia(new Media(media.threads(), loss));
    }

    /** The same settings with these session lifetimes (consent timeout, reconnection grace). */
    public ServerConfig withSessionTimeouts(long consentTimeout, long reconnectGrace) {
        Sessions s = sessions;
        return withSessions(new Sessions(s.firstOfferDelayMillis(), s.answerTimeoutMillis(),
                s.mediaStartTimeoutMillis(), consentTimeout, reconnectGrace, s.webSocketPingMillis()));
    }

    /** The same settings with WebSocket pings this often (0: none). */
    public ServerConfig withWebSocketPing(long intervalMillis) {
        Sessions s = sessions;
        return withSessions(new Sessions(s.firstOfferDelayMillis(), s.answerTimeoutMillis(),
                s.mediaStartTimeoutMillis(), s.consentTimeoutMillis(), s.reconnectGraceMillis(), intervalMillis));
    }

    /** The same settings with this deadline for answers to the server's offers. */
    public ServerConfig withAnswerTimeout(long millis) {
        Sessions s = sessions;
        return withSessions(new Sessions(s.firstOfferDelayMillis(), millis, s.mediaStartTimeoutMillis(),
                s.consentTimeoutMillis(), s.reconnectGraceMillis(), s.webSocketPingMillis()));
    }

    /** The same settings with this deadline for a participant's media to start. */
    public ServerConfig withMediaStartTimeout(long millis) {
        Sessions s = sessions;
        return withSessions(new Sessions(s.firstOfferDelayMillis(), s.answerTimeoutMillis(), millis,
                s.consentTimeoutMillis(), s.reconnectGraceMillis(), s.webSocketPingMillis()));
    }

    /** The same settings with this limit on each connection's signaling messages per second (0: none). */
    public ServerConfig withMaxMessagesPerSecond(int perSecond) {
        return withLimits(new Limits(limits.maxMessageBytes(), perSecond, limits.maxRoomParticipants()));
    }
}
