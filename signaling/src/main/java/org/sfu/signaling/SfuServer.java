package org.sfu.signaling;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.sfu.ice.IceEndpoint;
import org.sfu.ice.StunAddressDiscovery;
import org.sfu.media.MediaEngine;
import org.sfu.signaling.admin.AdminAccess;
import org.sfu.signaling.admin.AdminApi;
import org.sfu.signaling.admin.AdminPort;
import org.sfu.signaling.config.CommandLine;
import org.sfu.signaling.config.HelpText;
import org.sfu.signaling.config.LogFormat;
import org.sfu.signaling.config.SettingValues;
import org.sfu.signaling.config.Settings;
import org.sfu.signaling.config.Version;
import org.sfu.signaling.metrics.PrometheusMetrics;
import org.sfu.signaling.webhooks.WebhookSettings;
import org.sfu.signaling.webhooks.Webhooks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server: HTTPS with the demo page and the signaling WebSocket at /ws, and the media engine with its one UDP
 * port. {@code java -jar sfu-server.jar} starts it with the embedded defaults; flags, SFU_* variables and a
 * configuration file change them ({@code --help} lists them).
 * {@code java -jar sfu-server.jar token ...} prints a room access token instead ({@link TokenCommand}).
 */
public final class SfuServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SfuServer.class);

    private final MediaEngine media;
    private final Vertx vertx;
    private final HttpServer http;
    /** The loopback listener of the operator's endpoints, or null (docs/DEPLOY.md, SFU_ADMIN_PORT). */
    private final HttpServer adminHttp;
    private final SignalingEndpoint signaling;
    private final ExecutorService signalingPool;
    private final Admission admission;
    private final PrometheusMetrics metrics;
    private final Webhooks webhooks;
    /** Set when the server starts closing: it is not ready for new calls any more. */
    private final AtomicBoolean closing;

    private SfuServer(MediaEngine media, Vertx vertx, HttpServer http, HttpServer adminHttp,
                      SignalingEndpoint signaling, ExecutorService signalingPool, Admission admission,
                      PrometheusMetrics metrics, AtomicBoolean closing, Webhooks webhooks) {
        this.adminHttp = adminHttp;
        this.webhooks = webhooks;
        this.admission = admission;
        this.media = media;
        this.vertx = vertx;
        this.http = http;
        this.signaling = signaling;
        this.signalingPool = signalingPool;
        this.metrics = metrics;
        this.closing = closing;
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("token")) {
            System.exit(TokenCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.getenv(),
                    System.out, System.err));
            return;
        }
        ServerConfig config;
        long drainSeconds;
        AdminAccess admin;
        AdminPort adminPort;
        WebhookSettings webhooks;
        SettingValues settings;
        try {
            CommandLine commandLine = CommandLine.parse(args);
            if (commandLine.help()) {
                System.out.print(HelpText.render());
                System.exit(0);
                return;
            }
            if (commandLine.version()) {
                System.out.println("sfu-server " + Version.current());
                System.exit(0);
                return;
            }
            // Flags over SFU_* variables over the configuration file over the defaults (docs/CONFIGURATION.md).
            settings = SettingValues.resolve(commandLine, System.getenv());
            config = ServerConfig.from(settings);
            drainSeconds = settings.get(Settings.DRAIN_SECONDS);
            String adminToken = settings.get(Settings.ADMIN_TOKEN);
            admin = adminToken == null ? AdminAccess.loopbackOnly() : AdminAccess.withToken(adminToken);
            adminPort = new AdminPort(settings.get(Settings.ADMIN_PORT), settings.get(Settings.ADMIN_ON_MAIN_PORT));
            webhooks = WebhookSettings.of(settings.get(Settings.WEBHOOK_URLS), settings.get(Settings.WEBHOOK_SECRET),
                    WebhookSettings.Delivery.DEFAULT);
        } catch (IllegalArgumentException e) {
            System.err.println("Configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        LogFormat.apply(settings.get(Settings.LOG_FORMAT));
        settings.warnings().forEach(LOG::warn);
        LOG.info("Configuration{}:\n  {}", settings.file() == null ? "" : " (file " + settings.file() + ")",
                String.join("\n  ", settings.describe()));
        try {
            SfuServer server = start(config, admin, webhooks, adminPort);
            // SIGTERM (systemd, Kubernetes): let the calls in progress end before the process does.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> server.drain(Duration.ofSeconds(drainSeconds)),
                    "shutdown"));
        } catch (Exception e) {
            LOG.error("Cannot start: {}", e.getMessage(), e);
            System.exit(1);
        }
    }

    /** Starts everything and returns once both ports are bound; the admin API answers only the machine itself. */
    public static SfuServer start(ServerConfig config) throws Exception {
        return start(config, AdminAccess.loopbackOnly());
    }

    /** {@link #start(ServerConfig)}, with {@code admin} saying who may use the admin API under {@code /api}. */
    public static SfuServer start(ServerConfig config, AdminAccess admin) throws Exception {
        return start(config, admin, WebhookSettings.OFF);
    }

    /** {@link #start(ServerConfig, AdminAccess)}, POSTing webhooks where {@code webhookSettings} says. */
    public static SfuServer start(ServerConfig config, AdminAccess admin, WebhookSettings webhookSettings)
            throws Exception {
        return start(config, admin, webhookSettings, AdminPort.OFF);
    }

    /**
     * {@link #start(ServerConfig, AdminAccess, WebhookSettings)}, serving {@code /metrics}, {@code /health},
     * {@code /ready} and {@code /api} also (or only) on a loopback port where {@code adminPort} says.
     */
    public static SfuServer start(ServerConfig config, AdminAccess admin, WebhookSettings webhookSettings,
                                  AdminPort adminPort) throws Exception {
        Webhooks webhooks = Webhooks.start(webhookSettings);
        ServerConfig.Network network = config.network();
        ServerConfig.Sessions sessions = config.sessions();
        MediaEngine media = MediaEngine.start(new MediaEngine.Options(
                new IceEndpoint.Options(network.bindAddress(), network.udpPort(), publicAddresses(network),
                        network.iceRemoteNetworks(), network.tcpPort()),
                sessions.firstOfferDelayMillis(), config.limits().maxRoomParticipants(),
                config.media().simulatedLoss(), sessions.consentTimeoutMillis(), config.media().threads(),
                sessions.answerTimeoutMillis(), sessions.mediaStartTimeoutMillis()), webhooks.roomEvents());
        webhooks.countIn(media.counters());
        if (config.media().simulatedLoss() > 0) {
            LOG.warn("Dropping {}% of the RTP this server sends (SFU_SIMULATED_LOSS): for tests only",
                    Math.round(config.media().simulatedLoss() * 1000) / 10.0);
        }
        // Its caps on TLS handshakes and TCP connections apply as each connection is accepted, before TLS (AcceptGate).
        Admission admission = new Admission(config.connectionLimits());
        admission.gate().countIn(media.counters());
        Vertx vertx = Vertx.builder().withTransport(new GatedTransport(admission.gate())).build();
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "signaling-" + POOL_THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            RoomAccess access = new RoomAccess(config.authentication().verifier());
            if (access.requiresToken()) {
                LOG.info("Rooms require an access token (?token=<JWT>, {})", config.authentication().describe());
            } else {
                LOG.warn("Rooms are open: anyone who reaches /ws can join any room and receive its media. "
                        + "Set SFU_AUTH_SECRET or SFU_AUTH_PUBLIC_KEY to require access tokens (docs/SECURITY.md)");
            }
            SignalingEndpoint signaling = new SignalingEndpoint(media, vertx, pool,
                    config.limits().maxMessageBytes(), config.iceServers(), sessions.reconnectGraceMillis(),
                    sessions.webSocketPingMillis(), config.limits().maxMessagesPerSecond(), access);
            io.vertx.ext.web.Router web = io.vertx.ext.web.Router.router(vertx);
            if (!config.connectionLimits().allowedOrigins().isEmpty()) {
                LOG.info("Signaling accepts browsers' pages from {}", config.connectionLimits().allowedOrigins());
            }
            AtomicBoolean closing = new AtomicBoolean();
            web.route("/ws").handler(ctx -> {
                if (closing.get()) {
                    // Draining or closing: new calls go to another server (the load balancer reads /ready).
                    ctx.response().setStatusCode(503).end("server shutting down");
                    return;
                }
                // Before the upgrade: a refused connection never gets a session (an HTTP status, no WebSocket).
                String address = ctx.request().remoteAddress() == null ? "unknown"
                        : ctx.request().remoteAddress().hostAddress();
                // The query is decoded before a connection slot is taken: a malformed escape (%zz) makes the decoder
                // throw, which would answer 500 and never give the slot back.
                String room;
                String name;
                String resume;
                String resumeToken;
                String token;
                try {
                    room = ctx.request().getParam("room");
                    name = ctx.request().getParam("name");
                    resume = ctx.request().getParam("resume");
                    resumeToken = ctx.request().getParam("resume_token");
                    token = ctx.request().getParam("token");
                } catch (IllegalArgumentException e) {
                    LOG.info("Connection from {} refused: malformed query", address);
                    ctx.response().setStatusCode(400).end("malformed query");
                    return;
                }
                // The caps count an IPv6 client's whole /64 as one source (SourceAddress). Vert.x reports the peer of a
                // TCP connection as an IP literal, so this never fails but for a transport without addresses.
                SourceAddress source = SourceAddress.ofLiteral(address);
                if (source == null) {
                    LOG.info("Connection from {} refused: no source address to count it under", address);
                    ctx.response().setStatusCode(400).end("no source address");
                    return;
                }
                Admission.Refusal refusal = admission.reserve(source, ctx.request().getHeader("Origin"),
                        ctx.request().getHeader("Host"));
                if (refusal != null) {
                    LOG.info("Connection from {} refused: {}", address, refusal.reason());
                    ctx.response().setStatusCode(refusal.status()).end(refusal.reason());
                    return;
                }
                // "token" is the access token; a resume brings its own in "resume_token". Clients from before access
                // tokens sent the resume token in "token": with "resume" and no "resume_token", it is read as that.
                if (resume != null && resumeToken == null) {
                    resumeToken = token;
                    token = null;
                }
                String finalResumeToken = resumeToken;
                String accessToken = token;
                ctx.request().toWebSocket()
                        .onSuccess(socket -> signaling.accept(socket, room, name, resume,
                                finalResumeToken, accessToken, () -> admission.release(source)))
                        .onFailure(e -> {
                            admission.release(source);
                            LOG.debug("WebSocket upgrade refused: {}", e.toString());
                        });
            });
            PrometheusMetrics metrics = new PrometheusMetrics(media, signaling::clientCount, admission::open);
            AdminApi adminApi = new AdminApi(media, admin, signaling::removeByOperator);
            if (adminPort.onMainPort()) {
                mountMetricsAndApi(web, metrics, adminApi);
            }
            mountProbes(web, media, closing);
            web.route().handler(StaticHandler.create("webroot").setCachingEnabled(false));

            HttpServerOptions options = new HttpServerOptions()
                    .setPort(network.httpPort())
                    .setHost(network.bindAddress() == null ? "0.0.0.0" : network.bindAddress().getHostAddress())
                    .setSsl(true)
                    .setKeyCertOptions(tlsOptions(config.tls(), network))
                    .setMaxWebSocketMessageSize(config.limits().maxMessageBytes())
                    .setMaxWebSocketFrameSize(Math.min(config.limits().maxMessageBytes(), 65536));
            HttpServer http = vertx.createHttpServer(options).requestHandler(web).listen()
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            LOG.info("Signaling on https://{}:{}/ (WebSocket /ws), media on UDP port {}",
                    network.bindAddress() == null ? "localhost" : network.bindAddress().getHostAddress(),
                    http.actualPort(), media.udpPort());
            HttpServer adminHttp = null;
            if (adminPort.enabled()) {
                io.vertx.ext.web.Router operator = io.vertx.ext.web.Router.router(vertx);
                mountMetricsAndApi(operator, metrics, adminApi);
                mountProbes(operator, media, closing);
                // Loopback only, whatever SFU_BIND_ADDRESS says: nothing from the network reaches it. Plain HTTP
                // (AdminPort says why).
                adminHttp = vertx.createHttpServer(new HttpServerOptions().setHost(LOOPBACK)
                                .setPort(adminPort.port()))
                        .requestHandler(operator).listen()
                        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                LOG.info("Admin port http://{}:{}/ (/metrics, /health, /ready, /api){}", LOOPBACK,
                        adminHttp.actualPort(), adminPort.onMainPort() ? ""
                                : "; the signaling port serves only /health and /ready of them");
            }
            return new SfuServer(media, vertx, http, adminHttp, signaling, pool, admission, metrics, closing,
                    webhooks);
        } catch (Exception e) {
            vertx.close();
            pool.shutdownNow();
            media.close();
            webhooks.close();
            throw e;
        }
    }

    private static final AtomicInteger POOL_THREADS = new AtomicInteger();

    /** The admin port's address: IPv4 loopback, which every host has (an IPv6-only host still has 127.0.0.1). */
    private static final String LOOPBACK = "127.0.0.1";

    /** {@code /metrics} and the admin API under {@code /api}. */
    private static void mountMetricsAndApi(io.vertx.ext.web.Router web, PrometheusMetrics metrics, AdminApi api) {
        // Prometheus's text exposition format (version 0.0.4); scraping reads every stage's counters, so off the
        // event loop.
        web.get("/metrics").handler(ctx -> ctx.vertx().executeBlocking(metrics::scrape, false)
                .onSuccess(text -> ctx.response()
                        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(text))
                .onFailure(ctx::fail));
        api.mount(web);
    }

    /** Liveness: the process answers. Readiness: it takes new calls (media port bound, not closing). */
    private static void mountProbes(io.vertx.ext.web.Router web, MediaEngine media, AtomicBoolean closing) {
        web.get("/health").handler(ctx -> json(ctx, 200, "{\"status\":\"ok\"}"));
        web.get("/ready").handler(ctx -> {
            boolean ready = !closing.get() && media.udpPort() > 0;
            json(ctx, ready ? 200 : 503, ready ? "{\"status\":\"ready\"}" : "{\"status\":\"not ready\"}");
        });
    }

    private static void json(io.vertx.ext.web.RoutingContext ctx, int status, String body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }

    /** The configured public addresses, plus the one a configured STUN server sees (a start without it works). */
    private static List<InetAddress> publicAddresses(ServerConfig.Network network) {
        List<InetAddress> result = new ArrayList<>(network.publicAddresses());
        if (network.stunServer() != null) {
            try {
                InetAddress mapped = StunAddressDiscovery.discover(network.bindAddress(), network.stunServer());
                LOG.info("Public address {} learnt from STUN server {}", mapped.getHostAddress(), network.stunServer());
                if (!result.contains(mapped)) {
                    result.add(mapped);
                }
            } catch (IOException e) {
                LOG.warn("No public address from STUN server {}: {}; advertising the local addresses{}",
                        network.stunServer(), e.getMessage(), result.isEmpty() ? "" : " and " + result);
            }
        }
        return result;
    }

    private static PemKeyCertOptions tlsOptions(ServerConfig.Tls tls, ServerConfig.Network network) {
        if (!tls.isSelfSigned()) {
            return new PemKeyCertOptions().setCertPath(tls.certificate().toString())
                    .setKeyPath(tls.key().toString());
        }
        List<InetAddress> names = new ArrayList<>(network.publicAddresses());
        if (network.bindAddress() != null) {
            names.add(network.bindAddress());
        }
        SelfSignedTlsCertificate self = SelfSignedTlsCertificate.generate(names);
        LOG.info("Using a self-signed TLS certificate (set SFU_TLS_CERT and SFU_TLS_KEY for a real one)");
        return new PemKeyCertOptions().setCertValue(Buffer.buffer(self.certificatePem()))
                .setKeyValue(Buffer.buffer(self.privateKeyPem()));
    }

    public int httpPort() {
        return http.actualPort();
    }

    /** The loopback admin port's number, or 0 when there is none. */
    public int adminPort() {
        return adminHttp == null ? 0 : adminHttp.actualPort();
    }

    public int udpPort() {
        return media.udpPort();
    }

    public MediaEngine media() {
        return media;
    }

    public int clientCount() {
        return signaling.clientCount();
    }

    /** Signaling connections admitted and not yet closed, from every address (what the connection caps count). */
    public int openConnections() {
        return admission.open();
    }

    /** The caps applied as each TCP connection is accepted, with what they count now (for tests). */
    AcceptGate acceptGate() {
        return admission.gate();
    }

    /** Sessions waiting to be resumed (for tests). */
    java.util.Set<String> detachedSessionIds() {
        return signaling.detachedSessionIds();
    }

    /**
     * A graceful shutdown: new connections are refused (503) and {@code /ready} says so at once; every client is
     * told ({@code server_draining}); calls go on until their clients leave or {@code limit} has passed; then every
     * session ends (close code 1001) and the server closes. Returns when it has.
     */
    public void drain(Duration limit) {
        if (closing.getAndSet(true)) {
            close();
            return;
        }
        LOG.info("Draining: {} clients have up to {} s to finish", signaling.clientCount(), limit.toSeconds());
        signaling.draining(limit.toSeconds());
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            while (signaling.clientCount() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(DRAIN_POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (signaling.clientCount() > 0) {
            LOG.info("Drain time over: closing {} sessions", signaling.clientCount());
        }
        signaling.closeAll();
        close();
    }

    private static final long DRAIN_POLL_MILLIS = 100;

    @Override
    public void close() {
        closing.set(true);
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("Vert.x did not close cleanly: {}", e.toString());
        }
        signalingPool.shutdownNow();
        metrics.close();
        media.close();
        // After the media engine: closing it reports the last leaves, which still go out.
        webhooks.close();
    }
}
