package org.sfu.signaling.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import org.sfu.signaling.access.AccessTokenVerifier;

/**
 * Every setting of the server, in one table: its key in the configuration file, its environment variable, its flag,
 * its default and what it accepts. --help, the effective configuration logged at start and docs/CONFIGURATION.md
 * are made from (or checked against) this table, so they cannot drift from what the server reads.
 *
 * <p>Defaults are the embedded ones that make {@code java -jar sfu-server.jar} work with no configuration.
 */
public final class Settings {
    /** Every key of a configuration file lives under this object, so the file can share a HOCON tree. */
    public static final String FILE_ROOT = "sfu";
    /** The configuration file, when --config does not name one. */
    public static final String CONFIG_FILE_ENV = "SFU_CONFIG_FILE";

    private Settings() {
    }

    // network: where the server listens and what it advertises

    public static final Setting<Integer> HTTP_PORT = new Setting<>("network.http-port", "SFU_HTTP_PORT",
            Format.intRange(0, 65535), 8000, "8000",
            "HTTPS port: the demo page, the signaling WebSocket /ws, /metrics, /health, /ready, /api. 0 picks a free "
                    + "port (logged)", false);
    public static final Setting<Integer> UDP_PORT = new Setting<>("network.udp-port", "SFU_UDP_PORT",
            Format.intRange(0, 65535), 10000, "10000",
            "The one UDP port all participants' media uses (ICE, DTLS, SRTP multiplexed, RFC 7983). 0 picks a free "
                    + "port (logged)", false);
    public static final Setting<Integer> TCP_PORT = new Setting<>("network.tcp-port", "SFU_TCP_PORT",
            Format.intRange(-1, 65535), 4443, "4443",
            "ICE-TCP port (RFC 6544 passive candidates) for clients whose UDP is blocked, on non-loopback addresses. "
                    + "0 picks a free port, -1 turns ICE-TCP off", false);
    public static final Setting<InetAddress> BIND_ADDRESS = new Setting<>("network.bind-address",
            "SFU_BIND_ADDRESS", Format.address(), null, "every interface",
            "Address to listen on (HTTPS, UDP, TCP); with one address, that is the only host candidate", false);
    public static final Setting<List<InetAddress>> PUBLIC_ADDRESSES = new Setting<>("network.public-addresses",
            "SFU_PUBLIC_ADDRESS", Format.list(Format.address(), "IP addresses or host names"), List.of(), "none",
            "Addresses advertised as ICE candidates besides the local ones: a server behind a 1:1 NAT (a cloud VM) "
                    + "gives its public address", false);
    public static final Setting<InetSocketAddress> STUN_SERVER = new Setting<>("network.stun-server",
            "SFU_STUN_SERVER", Format.hostAndPort(3478), null, "none",
            "A STUN server asked once at start for the server's public address, then advertised like the public "
                    + "addresses. Without it the server contacts nothing at start", false);
    public static final Setting<List<String>> ICE_REMOTE_NETWORKS = new Setting<>("network.ice-remote-networks",
            "SFU_ICE_REMOTE_NETWORKS", Format.list(Format.network(), "networks like 10.0.0.0/8"), List.of(), "any",
            "Networks clients may connect from: ICE candidates and checks from elsewhere are ignored", false);

    // tls: the HTTPS certificate

    public static final Setting<Path> TLS_CERTIFICATE = new Setting<>("tls.certificate", "SFU_TLS_CERT",
            Format.path(), null, "self-signed",
            "PEM certificate chain for HTTPS; with tls.key replaces the self-signed certificate made at each start",
            false);
    public static final Setting<Path> TLS_KEY = new Setting<>("tls.key", "SFU_TLS_KEY", Format.path(), null,
            "self-signed", "PEM private key for HTTPS (the path is shown, the key never)", false);

    // ice-servers: STUN and TURN servers handed to clients

    public static final Setting<List<String>> ICE_SERVERS = new Setting<>("ice-servers.urls", "SFU_ICE_SERVERS",
            Format.list(Format.iceServerUrl(), "stun:, turn: or turns: URLs"), List.of(), "none",
            "STUN/TURN servers handed to every client in the ice_servers message; the server itself uses none",
            false);
    public static final Setting<String> TURN_SECRET = new Setting<>("ice-servers.turn-secret", "SFU_TURN_SECRET",
            Format.text("any text", s -> true), null, "none",
            "Secret shared with the TURN server (coturn static-auth-secret): TURN entries then carry per-client "
                    + "credentials", true);
    public static final Setting<Long> TURN_TTL = new Setting<>("ice-servers.turn-ttl-seconds", "SFU_TURN_TTL",
            Format.range(60, 30L * 86_400), 86_400L, "86400", "Seconds a TURN credential stays valid", false);

    // sessions: how long the server waits for what

    public static final Setting<Long> FIRST_OFFER_DELAY = new Setting<>("sessions.first-offer-delay-ms",
            "SFU_FIRST_OFFER_DELAY_MS", Format.range(0, 60_000), 1500L, "1500",
            "How long the server waits for a new client's own offer before offering to it", false);
    public static final Setting<Long> ANSWER_TIMEOUT = new Setting<>("sessions.answer-timeout-ms",
            "SFU_ANSWER_TIMEOUT_MS", Format.range(1000, 600_000), 10_000L, "10000",
            "How long an offer of the server's may go unanswered before the client gets an answer-timeout error",
            false);
    public static final Setting<Long> MEDIA_START_TIMEOUT = new Setting<>("sessions.media-start-timeout-ms",
            "SFU_MEDIA_START_TIMEOUT_MS", Format.range(1000, 600_000), 30_000L, "30000",
            "A participant whose media path is not up this long after it joined is removed", false);
    public static final Setting<Long> CONSENT_TIMEOUT = new Setting<>("sessions.consent-timeout-ms",
            "SFU_CONSENT_TIMEOUT_MS", Format.range(1000, 300_000), 20_000L, "20000",
            "A participant whose media path was silent this long (RFC 7675 consent) leaves its room", false);
    public static final Setting<Long> RECONNECT_GRACE = new Setting<>("sessions.reconnect-grace-ms",
            "SFU_RECONNECT_GRACE_MS", Format.range(0, 600_000), 15_000L, "15000",
            "How long a participant whose WebSocket dropped keeps its place, waiting to resume; 0: leave at once",
            false);
    public static final Setting<Long> WEBSOCKET_PING = new Setting<>("sessions.websocket-ping-ms", "SFU_WS_PING_MS",
            Format.offOrRange(1000, 600_000), 20_000L, "20000",
            "How often the server pings each signaling WebSocket (RFC 6455 §5.5.2), so idle proxies and NATs keep "
                    + "it open", false);

    // limits: what one client, one room and the server accept

    public static final Setting<Integer> MAX_MESSAGE_BYTES = new Setting<>("limits.max-message-bytes",
            "SFU_MAX_MESSAGE_BYTES", Format.intRange(1024, 16 * 1024 * 1024), 262_144, "262144",
            "Largest signaling message accepted", false);
    public static final Setting<Integer> MAX_MESSAGES_PER_SECOND = new Setting<>("limits.max-messages-per-second",
            "SFU_MAX_MESSAGES_PER_SECOND", Format.intRange(0, 100_000), 50, "50",
            "Signaling messages one connection may send per second (burst: four seconds' worth); 0: no limit",
            false);
    public static final Setting<Integer> MAX_ROOM_PARTICIPANTS = new Setting<>("limits.max-room-participants",
            "SFU_MAX_ROOM_PARTICIPANTS", Format.intRange(1, 1000), 16, "16",
            "Participants one room admits; a join beyond gets room-full", false);
    public static final Setting<Integer> MAX_CONNECTIONS = new Setting<>("limits.max-connections",
            "SFU_MAX_CONNECTIONS", Format.intRange(0, 1_000_000), 2000, "2000",
            "Signaling connections open at once; beyond it an upgrade gets HTTP 503. 0: no cap", false);
    public static final Setting<Integer> MAX_CONNECTIONS_PER_IP = new Setting<>("limits.max-connections-per-ip",
            "SFU_MAX_CONNECTIONS_PER_IP", Format.intRange(0, 1_000_000), 100, "100",
            "Signaling connections open at once from one source address; beyond it HTTP 429. 0: no cap", false);
    public static final Setting<Integer> MAX_TLS_HANDSHAKES = new Setting<>("limits.max-tls-handshakes",
            "SFU_MAX_TLS_HANDSHAKES", Format.intRange(0, 1_000_000), 1000, "1000",
            "TCP connections in their TLS handshake at once; beyond it a new one is closed as it is accepted, "
                    + "before any TLS work. 0: no cap", false);
    public static final Setting<Integer> MAX_TLS_HANDSHAKES_PER_IP = new Setting<>("limits.max-tls-handshakes-per-ip",
            "SFU_MAX_TLS_HANDSHAKES_PER_IP", Format.intRange(0, 1_000_000), 100, "100",
            "TCP connections in their TLS handshake at once from one source address; beyond it a new one is closed "
                    + "as it is accepted. 0: no cap", false);
    public static final Setting<Integer> MAX_TCP_CONNECTIONS = new Setting<>("limits.max-tcp-connections",
            "SFU_MAX_TCP_CONNECTIONS", Format.intRange(0, 1_000_000), 10_000, "10000",
            "TCP connections open at once, of every kind and from every address; beyond it a new one is closed as it "
                    + "is accepted. 0: no cap; else at least SFU_MAX_CONNECTIONS (unset, it follows a higher or "
                    + "unlimited one)", false);
    public static final Setting<Integer> MAX_TCP_CONNECTIONS_PER_IP = new Setting<>(
            "limits.max-tcp-connections-per-ip", "SFU_MAX_TCP_CONNECTIONS_PER_IP", Format.intRange(0, 1_000_000), 1000,
            "1000", "TCP connections open at once from one source address, WebSockets and page loads alike; beyond it "
                    + "a new one is closed as it is accepted. 0: no cap; else at least SFU_MAX_CONNECTIONS_PER_IP (unset, "
                    + "it follows a higher or unlimited one)", false);
    public static final Setting<Integer> MAX_NEW_TCP_CONNECTIONS_PER_IP_PER_SECOND = new Setting<>(
            "limits.max-new-tcp-connections-per-ip-per-second", "SFU_MAX_NEW_TCP_CONNECTIONS_PER_IP_PER_SECOND",
            Format.intRange(0, 1_000_000), 50, "50",
            "New TCP connections let in per second from one source address (burst: two seconds' worth); beyond it "
                    + "a new one is closed as it is accepted. 0: no cap", false);
    public static final Setting<Long> FIRST_REQUEST_TIMEOUT = new Setting<>("limits.first-request-timeout-ms",
            "SFU_FIRST_REQUEST_TIMEOUT_MS", Format.offOrRange(1000, 600_000), 10_000L, "10000",
            "How long an HTTPS connection may go from its accept to its first complete HTTP request (the WebSocket "
                    + "upgrade, a page load) before the server closes it; 0: no deadline", false);
    public static final Setting<Long> HTTP_IDLE_TIMEOUT = new Setting<>("limits.http-idle-timeout-ms",
            "SFU_HTTP_IDLE_TIMEOUT_MS", Format.offOrRange(1000, 3_600_000), 60_000L, "60000",
            "How long an HTTPS connection kept alive after a request may sit with nothing read or written before the "
                    + "server closes it; WebSockets are never closed by it; 0: no timeout", false);

    // access: who may join rooms and use the admin API

    public static final Setting<List<String>> ALLOWED_ORIGINS = new Setting<>("access.allowed-origins",
            "SFU_ALLOWED_ORIGINS", Format.list(Format.origin(), "origins like https://app.example.com"), List.of(),
            "any", "Web origins whose pages may open the signaling WebSocket (the server's own always may)", false);
    public static final Setting<String> AUTH_SECRET = new Setting<>("access.auth-secret", "SFU_AUTH_SECRET",
            Format.secret(AccessTokenVerifier.MIN_SECRET_BYTES, "bytes (RFC 7518 §3.2; `openssl rand -base64 32`)"),
            null, "none (open rooms)",
            "HS256 secret shared with the application's backend: every connection then needs an access token",
            true);
    public static final Setting<PublicKey> AUTH_PUBLIC_KEY = new Setting<>("access.auth-public-key",
            "SFU_AUTH_PUBLIC_KEY", Format.map(Format.path(), Settings::readPublicKey), null, "none",
            "PEM public key file (RSA of 2048 bits or more, or EC P-256) that verifies RS256/ES256 access tokens",
            false);
    public static final Setting<String> ADMIN_TOKEN = new Setting<>("access.admin-token", "SFU_ADMIN_TOKEN",
            Format.secret(24, "characters"), null, "none (loopback only)",
            "Bearer token for the admin API under /api; without it the API answers only the machine itself", true);

    // admin: where the operator's endpoints are served (docs/DEPLOY.md, "Metrics and health")

    public static final Setting<Integer> ADMIN_PORT = new Setting<>("admin.port", "SFU_ADMIN_PORT",
            Format.intRange(0, 65535), 0, "0 (off)",
            "A second listener on 127.0.0.1 (plain HTTP) serving /metrics, /health, /ready and /api; 0: none", false);
    public static final Setting<Boolean> ADMIN_ON_MAIN_PORT = new Setting<>("admin.on-main-port",
            "SFU_ADMIN_ON_MAIN_PORT", Format.bool(), true, "true",
            "Whether the HTTPS port serves /metrics and /api too; false (with admin.port) keeps them off it", false);

    // webhooks: where room, participant and track events are POSTed (docs/ADMIN.md, "Webhooks")

    public static final Setting<List<String>> WEBHOOK_URLS = new Setting<>("webhooks.urls", "SFU_WEBHOOK_URLS",
            Format.list(Format.text("http:// or https:// URLs",
                    u -> u.startsWith("http://") || u.startsWith("https://")), "http:// or https:// URLs"),
            List.of(), "none (no webhooks)",
            "Receivers of the server's signed webhooks (room, participant and track events)", false);
    public static final Setting<String> WEBHOOK_SECRET = new Setting<>("webhooks.secret", "SFU_WEBHOOK_SECRET",
            Format.secret(24, "characters"), null, "none",
            "Signs every webhook (HMAC-SHA256, header X-Sfu-Signature); required with webhooks.urls", true);

    // media: the forwarding threads

    public static final Setting<Integer> MEDIA_THREADS = new Setting<>("media.threads", "SFU_MEDIA_THREADS",
            Format.intRange(0, 256), 0, "0",
            "Threads that decrypt, route, re-encrypt and send media; 0: one per available processor but one", false);
    public static final Setting<Double> SIMULATED_LOSS = new Setting<>("media.simulated-loss",
            "SFU_SIMULATED_LOSS", Format.fraction(), 0.0, "0",
            "For tests only: the fraction of the RTP the server sends that it drops on purpose", false);

    // shutdown

    public static final Setting<Long> DRAIN_SECONDS = new Setting<>("shutdown.drain-seconds", "SFU_DRAIN_SECONDS",
            Format.range(0, 3600), 30L, "30",
            "On SIGTERM: how long calls in progress may go on before the server closes them and exits", false);

    // logging

    public static final Setting<String> LOG_FORMAT = new Setting<>("logging.format", "SFU_LOG_FORMAT",
            Format.oneOf(LogFormat.PLAIN, LogFormat.JSON), LogFormat.PLAIN, LogFormat.PLAIN,
            "Console log format: plain lines, or one JSON object a line for log collectors", false);

    /** Every setting, in the order of --help and docs/CONFIGURATION.md. */
    public static final List<Setting<?>> ALL = List.of(HTTP_PORT, UDP_PORT, TCP_PORT, BIND_ADDRESS,
            PUBLIC_ADDRESSES, STUN_SERVER, ICE_REMOTE_NETWORKS, TLS_CERTIFICATE, TLS_KEY, ICE_SERVERS, TURN_SECRET,
            TURN_TTL, FIRST_OFFER_DELAY, ANSWER_TIMEOUT, MEDIA_START_TIMEOUT, CONSENT_TIMEOUT, RECONNECT_GRACE,
            WEBSOCKET_PING, MAX_MESSAGE_BYTES, MAX_MESSAGES_PER_SECOND, MAX_ROOM_PARTICIPANTS, MAX_CONNECTIONS,
            MAX_CONNECTIONS_PER_IP, MAX_TLS_HANDSHAKES, MAX_TLS_HANDSHAKES_PER_IP, MAX_TCP_CONNECTIONS, MAX_TCP_CONNECTIONS_PER_IP,
            MAX_NEW_TCP_CONNECTIONS_PER_IP_PER_SECOND, FIRST_REQUEST_TIMEOUT, HTTP_IDLE_TIMEOUT,
            ALLOWED_ORIGINS, AUTH_SECRET, AUTH_PUBLIC_KEY, ADMIN_TOKEN, ADMIN_PORT, ADMIN_ON_MAIN_PORT, MEDIA_THREADS,
            SIMULATED_LOSS, DRAIN_SECONDS, LOG_FORMAT, WEBHOOK_URLS, WEBHOOK_SECRET);

    /**
     * The setting a mistyped name most likely meant: the one whose name ({@code naming} of it: its flag or its file
     * key) is at most two single-character edits away, or null.
     */
    static Setting<?> closest(String typed, java.util.function.Function<Setting<?>, String> naming) {
        Setting<?> best = null;
        int bestDistance = 3;
        for (Setting<?> s : ALL) {
            int d = editDistance(typed, naming.apply(s));
            if (d < bestDistance) {
                best = s;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance: insertions, deletions and substitutions of one character. */
    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    /** Reads the key file now, so that a wrong path or key fails at start. */
    private static PublicKey readPublicKey(Path file) {
        String pem;
        try {
            pem = java.nio.file.Files.readString(file);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
        return AccessTokenVerifier.readPublicKey(pem);
    }
}
