package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sfu.signaling.config.CommandLine;
import org.sfu.signaling.config.SettingValues;

/**
 * Every SFU_* variable: absent gives the embedded default, present is read, wrong is refused with a message that
 * names the variable (the operator sees only that message: SfuServer.main prints it and exits).
 *
 * <p>No test here resolves a host name: the "unknown host" inputs are malformed address literals, which
 * InetAddress refuses without a DNS query.
 */
class ServerConfigTest {

    @Test
    void defaultsAreTheEmbeddedOnes() {
        for (ServerConfig c : List.of(ServerConfig.defaults(), ServerConfig.fromEnvironment(Map.of()))) {
            assertEquals(8000, c.network().httpPort());
            assertEquals(10000, c.network().udpPort());
            assertNull(c.network().bindAddress());
            assertEquals(List.of(), c.network().publicAddresses());
            assertNull(c.tls().certificate());
            assertNull(c.tls().key());
            assertEquals(List.of(), c.network().iceRemoteNetworks());
            assertEquals(1500, c.sessions().firstOfferDelayMillis());
            assertEquals(262_144, c.limits().maxMessageBytes());
        }
    }

    @Test
    void blankValuesKeepTheDefaults() {
        Map<String, String> env = new HashMap<>();
        for (String name : List.of("SFU_HTTP_PORT", "SFU_UDP_PORT", "SFU_BIND_ADDRESS", "SFU_PUBLIC_ADDRESS",
                "SFU_TLS_CERT", "SFU_TLS_KEY", "SFU_ICE_REMOTE_NETWORKS", "SFU_FIRST_OFFER_DELAY_MS",
                "SFU_MAX_MESSAGE_BYTES")) {
            env.put(name, "  ");
        }
        assertEquals(ServerConfig.defaults(), ServerConfig.fromEnvironment(env));
    }

    @Test
    void unrelatedVariablesAreIgnored() {
        assertEquals(ServerConfig.defaults(), ServerConfig.fromEnvironment(Map.of("PORT", "1", "SFU_PORT", "x",
                "sfu_http_port", "x", "HOME", "/root")));
    }

    @Test
    void everyVariableIsRead() throws Exception {
        Map<String, String> env = Map.of(
                "SFU_HTTP_PORT", "8443",
                "SFU_UDP_PORT", " 40000 ",
                "SFU_BIND_ADDRESS", "127.0.0.1",
                "SFU_PUBLIC_ADDRESS", "192.0.2.10, 2001:db8::1,,",
                "SFU_TLS_CERT", "/etc/sfu/cert.pem",
                "SFU_TLS_KEY", "/etc/sfu/key.pem",
                "SFU_ICE_REMOTE_NETWORKS", "10.0.0.0/8, ::1/128",
                "SFU_FIRST_OFFER_DELAY_MS", "250",
                "SFU_MAX_MESSAGE_BYTES", "65536");
        ServerConfig c = ServerConfig.fromEnvironment(env);
        assertEquals(8443, c.network().httpPort());
        assertEquals(40000, c.network().udpPort());
        assertEquals(InetAddress.getByName("127.0.0.1"), c.network().bindAddress());
        assertEquals(List.of(InetAddress.getByName("192.0.2.10"), InetAddress.getByName("2001:db8::1")),
                c.network().publicAddresses());
        assertEquals(Path.of("/etc/sfu/cert.pem"), c.tls().certificate());
        assertEquals(Path.of("/etc/sfu/key.pem"), c.tls().key());
        assertEquals(List.of("10.0.0.0/8", "::1/128"), c.network().iceRemoteNetworks());
        assertEquals(250, c.sessions().firstOfferDelayMillis());
        assertEquals(65536, c.limits().maxMessageBytes());
    }

    @Test
    void accessTokensAreOffByDefaultAndTheirKeysAreCheckedAtStart(@org.junit.jupiter.api.io.TempDir
                                                                  Path dir) throws Exception {
        assertEquals(null, ServerConfig.defaults().authentication().verifier(), "open rooms by default");
        String secret = "0123456789abcdef0123456789abcdef";
        ServerConfig withSecret = ServerConfig.fromEnvironment(Map.of("SFU_AUTH_SECRET", secret));
        assertEquals("HS256", withSecret.authentication().describe());
        assertFalse(withSecret.toString().contains(secret), "a logged configuration never shows the secret");
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.fromEnvironment(Map.of("SFU_AUTH_SECRET", "short")));
        assertTrue(tooShort.getMessage().contains("SFU_AUTH_SECRET"), tooShort.getMessage());

        java.security.KeyPairGenerator ec = java.security.KeyPairGenerator.getInstance("EC");
        ec.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        Path pem = dir.resolve("backend.pub");
        java.nio.file.Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getEncoder()
                .encodeToString(ec.generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        assertEquals("ES256", ServerConfig.fromEnvironment(Map.of("SFU_AUTH_PUBLIC_KEY", pem.toString()))
                .authentication().describe());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.fromEnvironment(Map.of("SFU_AUTH_PUBLIC_KEY", dir.resolve("none").toString())));
        assertTrue(missing.getMessage().contains("SFU_AUTH_PUBLIC_KEY"), missing.getMessage());
    }

    @Test
    void portZeroPicksAFreePortAndIsAccepted() {
        ServerConfig c = ServerConfig.fromEnvironment(Map.of("SFU_HTTP_PORT", "0", "SFU_UDP_PORT", "0"));
        assertEquals(0, c.network().httpPort());
        assertEquals(0, c.network().udpPort());
    }

    @Test
    void rangeLimitsAreInclusive() {
        ServerConfig low = ServerConfig.fromEnvironment(Map.of("SFU_HTTP_PORT", "0", "SFU_UDP_PORT", "0",
                "SFU_FIRST_OFFER_DELAY_MS", "0", "SFU_MAX_MESSAGE_BYTES", "1024"));
        assertEquals(0, low.sessions().firstOfferDelayMillis());
        assertEquals(1024, low.limits().maxMessageBytes());
        ServerConfig high = ServerConfig.fromEnvironment(Map.of("SFU_HTTP_PORT", "65535", "SFU_UDP_PORT", "65535",
                "SFU_FIRST_OFFER_DELAY_MS", "60000", "SFU_MAX_MESSAGE_BYTES", "16777216"));
        assertEquals(65535, high.network().httpPort());
        assertEquals(65535, high.network().udpPort());
        assertEquals(60_000, high.sessions().firstOfferDelayMillis());
        assertEquals(16 * 1024 * 1024, high.limits().maxMessageBytes());
    }

    @Test
    void withPortsKeepsEverythingElse() {
        ServerConfig c = ServerConfig.fromEnvironment(Map.of("SFU_BIND_ADDRESS", "127.0.0.1",
                "SFU_FIRST_OFFER_DELAY_MS", "7", "SFU_MAX_MESSAGE_BYTES", "2048"));
        ServerConfig moved = c.withPorts(1234, 5678);
        ServerConfig.Network n = c.network();
        assertEquals(new ServerConfig(new ServerConfig.Network(1234, 5678, n.tcpPort(), n.bindAddress(),
                        n.publicAddresses(), n.stunServer(), n.iceRemoteNetworks()), c.tls(), c.iceServers(),
                        c.sessions(), c.limits(), c.connectionLimits(), c.authentication(), c.media()),
                moved);
        assertEquals(7, moved.sessions().firstOfferDelayMillis());
        assertEquals(2048, moved.limits().maxMessageBytes());
    }

    @Test
    void connectivitySettingsHaveDefaultsAndCanBeSet() throws Exception {
        ServerConfig d = ServerConfig.defaults();
        assertEquals(4443, d.network().tcpPort(), "ICE-TCP on by default");
        assertEquals(20_000, d.sessions().consentTimeoutMillis(), "well inside RFC 7675's 30 s");
        assertEquals(15_000, d.sessions().reconnectGraceMillis());
        assertEquals(null, d.network().stunServer(), "no STUN lookup unless configured");

        ServerConfig c = ServerConfig.fromEnvironment(Map.of("SFU_TCP_PORT", "-1", "SFU_CONSENT_TIMEOUT_MS", "5000",
                "SFU_RECONNECT_GRACE_MS", "0", "SFU_STUN_SERVER", "127.0.0.1:19302"));
        assertEquals(-1, c.network().tcpPort());
        assertEquals(5000, c.sessions().consentTimeoutMillis());
        assertEquals(0, c.sessions().reconnectGraceMillis());
        assertEquals(new java.net.InetSocketAddress("127.0.0.1", 19302), c.network().stunServer());
        assertEquals(new java.net.InetSocketAddress("::1", 3478),
                ServerConfig.fromEnvironment(Map.of("SFU_STUN_SERVER", "[::1]")).network().stunServer());
        assertEquals(new java.net.InetSocketAddress("::1", 3479),
                ServerConfig.fromEnvironment(Map.of("SFU_STUN_SERVER", "[::1]:3479")).network().stunServer());
    }

    @Test
    void mediaThreadsDefaultToOnePerCoreAndCanBeSet() {
        assertEquals(0, ServerConfig.defaults().media().threads(), "0: one per available processor");
        assertEquals(3, ServerConfig.fromEnvironment(Map.of("SFU_MEDIA_THREADS", "3")).media().threads());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.fromEnvironment(Map.of("SFU_MEDIA_THREADS", "-1")));
        assertTrue(e.getMessage().contains("SFU_MEDIA_THREADS"), e.getMessage());
    }

    @Test
    void webSocketPingsDefaultToEveryTwentySecondsAndCanBeTurnedOff() {
        assertEquals(20_000, ServerConfig.defaults().sessions().webSocketPingMillis());
        assertEquals(0, ServerConfig.fromEnvironment(Map.of("SFU_WS_PING_MS", "0")).sessions()
                .webSocketPingMillis());
        assertEquals(5000, ServerConfig.fromEnvironment(Map.of("SFU_WS_PING_MS", "5000")).sessions()
                .webSocketPingMillis());
    }

    @Test
    void theServerWaitsTenSecondsForAnAnswerUnlessToldOtherwise() {
        assertEquals(10_000, ServerConfig.defaults().sessions().answerTimeoutMillis());
        assertEquals(3000, ServerConfig.fromEnvironment(Map.of("SFU_ANSWER_TIMEOUT_MS", "3000")).sessions()
                .answerTimeoutMillis());
        assertEquals(2500, ServerConfig.defaults().withAnswerTimeout(2500).sessions().answerTimeoutMillis());
        assertRefused("SFU_ANSWER_TIMEOUT_MS", "999");
        assertRefused("SFU_ANSWER_TIMEOUT_MS", "600001");
    }

    @Test
    void connectionsComeFromAnyOriginUpToTwoThousandAndAHundredPerAddressUnlessToldOtherwise() {
        assertEquals(ConnectionLimits.defaults(), ServerConfig.defaults().connectionLimits());
        ConnectionLimits set = ServerConfig.fromEnvironment(Map.of(
                "SFU_ALLOWED_ORIGINS", "https://app.example.test, https://www.example.test:8443",
                "SFU_MAX_CONNECTIONS", "500", "SFU_MAX_CONNECTIONS_PER_IP", "0")).connectionLimits();
        assertEquals(List.of("https://app.example.test", "https://www.example.test:8443"), set.allowedOrigins());
        assertEquals(500, set.maxConnections());
        assertEquals(0, set.maxConnectionsPerAddress(), "0: no cap");
        assertRefused("SFU_ALLOWED_ORIGINS", "app.example.test");
        assertRefused("SFU_ALLOWED_ORIGINS", "https://app.example.test/path");
        assertRefused("SFU_MAX_CONNECTIONS", "-1");
        assertRefused("SFU_MAX_CONNECTIONS_PER_IP", "lots");
    }

    @Test
    void aThousandTlsHandshakesMayRunAtOnceAndAHundredPerAddressUnlessToldOtherwise() {
        assertEquals(1000, ServerConfig.defaults().connectionLimits().maxHandshakes());
        assertEquals(100, ServerConfig.defaults().connectionLimits().maxHandshakesPerAddress());
        ConnectionLimits set = ServerConfig.fromEnvironment(Map.of("SFU_MAX_TLS_HANDSHAKES", "0",
                "SFU_MAX_TLS_HANDSHAKES_PER_IP", "8")).connectionLimits();
        assertEquals(0, set.maxHandshakes(), "0: no cap");
        assertEquals(8, set.maxHandshakesPerAddress());
        assertEquals(ConnectionLimits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, set.maxConnectionsPerAddress());
        assertRefused("SFU_MAX_TLS_HANDSHAKES", "-1");
        assertRefused("SFU_MAX_TLS_HANDSHAKES_PER_IP", "many");
        assertThrows(IllegalArgumentException.class, () -> ConnectionLimits.defaults().withHandshakeCaps(-1, 0));
    }

    @Test
    void aThousandTcpConnectionsMayBeOpenPerAddressAndNeverFewerThanTheWebSocketsAllowed() {
        assertEquals(1000, ServerConfig.defaults().connectionLimits().maxTcpConnectionsPerAddress());
        assertEquals(50, ServerConfig.fromEnvironment(Map.of("SFU_MAX_TCP_CONNECTIONS_PER_IP", "50",
                "SFU_MAX_CONNECTIONS_PER_IP", "20")).connectionLimits().maxTcpConnectionsPerAddress());
        // Unset, it follows a WebSocket cap raised above it, or taken off.
        assertEquals(5000, ServerConfig.fromEnvironment(Map.of("SFU_MAX_CONNECTIONS_PER_IP", "5000"))
                .connectionLimits().maxTcpConnectionsPerAddress());
        assertEquals(0, ServerConfig.fromEnvironment(Map.of("SFU_MAX_CONNECTIONS_PER_IP", "0"))
                .connectionLimits().maxTcpConnectionsPerAddress());
        // Set below the WebSocket cap, it would close unanswered the WebSockets that cap admits.
        assertRefused("SFU_MAX_TCP_CONNECTIONS_PER_IP", "99");
        assertEquals(0, ServerConfig.fromEnvironment(Map.of("SFU_MAX_TCP_CONNECTIONS_PER_IP", "0")).connectionLimits()
                .maxTcpConnectionsPerAddress(), "0: no cap");
    }

    @Test
    void tenThousandTcpConnectionsMayBeOpenInAllAndNeverFewerThanTheWebSocketsAllowed() {
        assertEquals(10_000, ServerConfig.defaults().connectionLimits().maxTcpConnections());
        assertEquals(3000, ServerConfig.fromEnvironment(Map.of("SFU_MAX_TCP_CONNECTIONS", "3000"))
                .connectionLimits().maxTcpConnections());
        // Unset, it follows a WebSocket cap raised above it, or taken off.
        assertEquals(20_000, ServerConfig.fromEnvironment(Map.of("SFU_MAX_CONNECTIONS", "20000"))
                .connectionLimits().maxTcpConnections());
        assertEquals(0, ServerConfig.fromEnvironment(Map.of("SFU_MAX_CONNECTIONS", "0"))
                .connectionLimits().maxTcpConnections());
        // Set below the WebSocket cap (2000), it would close unanswered the WebSockets that cap admits.
        assertRefused("SFU_MAX_TCP_CONNECTIONS", "1999");
        assertRefused("SFU_MAX_TCP_CONNECTIONS", "-1");
        assertEquals(0, ServerConfig.fromEnvironment(Map.of("SFU_MAX_TCP_CONNECTIONS", "0")).connectionLimits()
                .maxTcpConnections(), "0: no cap");
    }

    @Test
    void fiftyNewTcpConnectionsASecondPerAddressUnlessToldOtherwise() {
        assertEquals(50, ServerConfig.defaults().connectionLimits().maxNewTcpConnectionsPerAddressPerSecond());
        assertEquals(500, ServerConfig.fromEnvironment(Map.of("SFU_MAX_NEW_TCP_CONNECTIONS_PER_IP_PER_SECOND", "500"))
                .connectionLimits().maxNewTcpConnectionsPerAddressPerSecond());
        assertEquals(0, ServerConfig.fromEnvironment(Map.of("SFU_MAX_NEW_TCP_CONNECTIONS_PER_IP_PER_SECOND", "0"))
                .connectionLimits().maxNewTcpConnectionsPerAddressPerSecond(), "0: no cap");
        assertRefused("SFU_MAX_NEW_TCP_CONNECTIONS_PER_IP_PER_SECOND", "-1");
        assertRefused("SFU_MAX_NEW_TCP_CONNECTIONS_PER_IP_PER_SECOND", "fast");
    }

    @Test
    void aConnectionHasTenSecondsToItsFirstRequestUnlessToldOtherwise() {
        assertEquals(10_000, ServerConfig.defaults().connectionLimits().firstRequestTimeoutMillis());
        assertEquals(3000, ServerConfig.fromEnvironment(Map.of("SFU_FIRST_REQUEST_TIMEOUT_MS", "3000"))
                .connectionLimits().firstRequestTimeoutMillis());
        assertEquals(0, ServerConfig.fromEnvironment(Map.of("SFU_FIRST_REQUEST_TIMEOUT_MS", "0"))
                .connectionLimits().firstRequestTimeoutMillis(), "0: no deadline");
        // Under a second would close clients on a slow network in the middle of their handshake.
        assertRefused("SFU_FIRST_REQUEST_TIMEOUT_MS", "500");
        assertRefused("SFU_FIRST_REQUEST_TIMEOUT_MS", "-1");
    }

    @Test
    void anHttpConnectionIdleForAMinuteIsClosedUnlessToldOtherwise() {
        assertEquals(60_000, ServerConfig.defaults().connectionLimits().httpIdleTimeoutMillis());
        assertEquals(5000, ServerConfig.fromEnvironment(Map.of("SFU_HTTP_IDLE_TIMEOUT_MS", "5000"))
                .connectionLimits().httpIdleTimeoutMillis());
        assertEquals(0, ServerConfig.fromEnvironment(Map.of("SFU_HTTP_IDLE_TIMEOUT_MS", "0"))
                .connectionLimits().httpIdleTimeoutMillis(), "0: no timeout");
        // Under a second would close a page's connection between the page and what it loads next.
        assertRefused("SFU_HTTP_IDLE_TIMEOUT_MS", "500");
        assertRefused("SFU_HTTP_IDLE_TIMEOUT_MS", "-1");
        assertRefused("SFU_HTTP_IDLE_TIMEOUT_MS", "3600001");
    }

    @Test
    void aConnectionMaySendFiftyMessagesASecondUnlessToldOtherwise() {
        assertEquals(50, ServerConfig.defaults().limits().maxMessagesPerSecond());
        assertEquals(0, ServerConfig.fromEnvironment(Map.of("SFU_MAX_MESSAGES_PER_SECOND", "0"))
                .limits().maxMessagesPerSecond(), "0 turns the limit off");
        assertRefused("SFU_MAX_MESSAGES_PER_SECOND", "-1");
        assertRefused("SFU_MAX_MESSAGES_PER_SECOND", "many");
    }

    @Test
    void aParticipantsMediaMustStartWithinThirtySecondsUnlessToldOtherwise() {
        assertEquals(30_000, ServerConfig.defaults().sessions().mediaStartTimeoutMillis());
        assertEquals(5000, ServerConfig.fromEnvironment(Map.of("SFU_MEDIA_START_TIMEOUT_MS", "5000"))
                .sessions().mediaStartTimeoutMillis());
        assertEquals(2000, ServerConfig.defaults().withMediaStartTimeout(2000).sessions().mediaStartTimeoutMillis());
        assertRefused("SFU_MEDIA_START_TIMEOUT_MS", "999");
        assertRefused("SFU_MEDIA_START_TIMEOUT_MS", "idle");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"SFU_TCP_PORT|-2", "SFU_TCP_PORT|65536", "SFU_CONSENT_TIMEOUT_MS|10",
            "SFU_RECONNECT_GRACE_MS|-1", "SFU_STUN_SERVER|127.0.0.1:0", "SFU_STUN_SERVER|127.0.0.1:port",
            "SFU_WS_PING_MS|-1", "SFU_WS_PING_MS|500", "SFU_WS_PING_MS|600001"})
    void badConnectivitySettingsNameTheVariable(String name, String value) {
        assertRefused(name, value);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SFU_HTTP_PORT|eighty", "SFU_HTTP_PORT|80.5", "SFU_HTTP_PORT|0x50", "SFU_HTTP_PORT|99999999999999999999",
            "SFU_UDP_PORT|ten thousand", "SFU_UDP_PORT|1e4",
            "SFU_FIRST_OFFER_DELAY_MS|1.5s", "SFU_MAX_MESSAGE_BYTES|256k"})
    void aValueThatIsNotANumberNamesTheVariable(String name, String value) {
        assertRefused(name, value);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SFU_HTTP_PORT|-1", "SFU_HTTP_PORT|65536", "SFU_UDP_PORT|-1", "SFU_UDP_PORT|70000",
            "SFU_FIRST_OFFER_DELAY_MS|-1", "SFU_FIRST_OFFER_DELAY_MS|60001",
            "SFU_MAX_MESSAGE_BYTES|1023", "SFU_MAX_MESSAGE_BYTES|16777217", "SFU_MAX_MESSAGE_BYTES|4294967296"})
    void aNumberOutOfRangeNamesTheVariable(String name, String value) {
        assertRefused(name, value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"::zz", "[::1", "1:2:3:4:5:6:7:8:9"})
    void aBindAddressThatIsNoAddressNamesTheVariable(String value) {
        assertRefused("SFU_BIND_ADDRESS", value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"::zz", "192.0.2.10,[::1"})
    void aPublicAddressThatIsNoAddressNamesTheVariable(String value) {
        assertRefused("SFU_PUBLIC_ADDRESS", value);
    }

    @Test
    void aCertificateWithoutItsKeyIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.fromEnvironment(Map.of("SFU_TLS_CERT", "/etc/sfu/cert.pem")));
        assertTrue(e.getMessage().contains("SFU_TLS_CERT") && e.getMessage().contains("SFU_TLS_KEY"), e.getMessage());
    }

    @Test
    void aKeyWithoutItsCertificateIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.fromEnvironment(Map.of("SFU_TLS_KEY", "/etc/sfu/key.pem")));
        assertTrue(e.getMessage().contains("SFU_TLS_CERT") && e.getMessage().contains("SFU_TLS_KEY"), e.getMessage());
    }

    @Test
    void aCertificateWithoutItsKeyInTheFileIsRefusedNamingBothKeys(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("sfu.conf");
        java.nio.file.Files.writeString(file, "sfu.tls.certificate = \"/etc/sfu/cert.pem\"\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.from(
                SettingValues.resolve(CommandLine.parse("--config", file.toString()), Map.of())));
        assertTrue(e.getMessage().contains("tls.certificate") && e.getMessage().contains("tls.key"), e.getMessage());
    }

    @Test
    void eachGroupIsFilledFromWhereverItsSettingsCameFrom(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("sfu.conf");
        java.nio.file.Files.writeString(file, """
                sfu {
                  network { udp-port = 10100, public-addresses = ["192.0.2.10"] }
                  sessions.reconnect-grace-ms = 0
                  media.threads = 2
                  limits.max-room-participants = 4
                  tls { certificate = "/etc/sfu/cert.pem", key = "/etc/sfu/key.pem" }
                }
                """);
        ServerConfig c = ServerConfig.from(SettingValues.resolve(
                CommandLine.parse("--config", file.toString(), "--max-messages-per-second=9"),
                Map.of("SFU_WS_PING_MS", "0")));
        assertEquals(10100, c.network().udpPort());
        assertEquals(List.of(InetAddress.getByName("192.0.2.10")), c.network().publicAddresses());
        assertEquals(new ServerConfig.Sessions(1500, 10_000, 30_000, 20_000, 0, 0), c.sessions());
        assertEquals(new ServerConfig.Media(2, 0), c.media());
        assertEquals(new ServerConfig.Limits(262_144, 9, 4), c.limits());
        assertEquals(new ServerConfig.Tls(Path.of("/etc/sfu/cert.pem"), Path.of("/etc/sfu/key.pem")), c.tls());
    }

    private static void assertRefused(String name, String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.fromEnvironment(Map.of(name, value)), name + "=" + value);
        assertTrue(e.getMessage() != null && e.getMessage().contains(name),
                () -> name + "=" + value + ": the message does not name the variable: " + e.getMessage());
    }
}
