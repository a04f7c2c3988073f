package org.sfu.signaling.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sfu.signaling.config.SettingValues.Source;

/**
 * Where a setting's value comes from: a flag wins over the environment, the environment over the configuration file,
 * the file over the default; and a wrong value from any of them is refused with the setting's name, the place it
 * came from and what is allowed.
 */
class SettingValuesTest {
    @TempDir
    Path dir;

    private Path file(String hocon) throws IOException {
        Path f = dir.resolve("sfu.conf");
        Files.writeString(f, hocon);
        return f;
    }

    private SettingValues resolve(List<String> args, Map<String, String> env) {
        return SettingValues.resolve(CommandLine.parse(args.toArray(String[]::new)), env);
    }

    @Test
    void nothingGivenIsTheDefault() {
        SettingValues v = resolve(List.of(), Map.of());
        for (Setting<?> s : Settings.ALL) {
            assertEquals(Source.DEFAULT, v.source(s), s.key());
            assertEquals(s.defaultValue(), v.get(s), s.key());
        }
        assertNull(v.file());
    }

    @Test
    void theFileWinsOverTheDefault() throws IOException {
        Path f = file("sfu { network { http-port = 8100 } }");
        SettingValues v = resolve(List.of("--config", f.toString()), Map.of());
        assertEquals(8100, v.get(Settings.HTTP_PORT));
        assertEquals(Source.FILE, v.source(Settings.HTTP_PORT));
        assertEquals(10000, v.get(Settings.UDP_PORT), "what the file leaves out keeps its default");
        assertEquals(f, v.file());
    }

    @Test
    void theEnvironmentWinsOverTheFile() throws IOException {
        Path f = file("sfu.network.http-port = 8100");
        SettingValues v = resolve(List.of("--config=" + f), Map.of("SFU_HTTP_PORT", "8200"));
        assertEquals(8200, v.get(Settings.HTTP_PORT));
        assertEquals(Source.ENVIRONMENT, v.source(Settings.HTTP_PORT));
    }

    @Test
    void aFlagWinsOverTheEnvironment() {
        SettingValues v = resolve(List.of("--http-port=8300"), Map.of("SFU_HTTP_PORT", "8200"));
        assertEquals(8300, v.get(Settings.HTTP_PORT));
        assertEquals(Source.FLAG, v.source(Settings.HTTP_PORT));
    }

    @Test
    void aFlagWinsOverTheFile() throws IOException {
        Path f = file("sfu.network.http-port = 8100");
        SettingValues v = resolve(List.of("--config", f.toString(), "--http-port", "8300"), Map.of());
        assertEquals(8300, v.get(Settings.HTTP_PORT));
        assertEquals(Source.FLAG, v.source(Settings.HTTP_PORT));
    }

    @Test
    void allFourAtOnceEachSettingFromItsStrongestSource() throws IOException {
        Path f = file("""
                sfu {
                  network.http-port = 8100
                  network.udp-port = 10100
                  network.tcp-port = 4100
                }
                """);
        SettingValues v = resolve(List.of("--config", f.toString(), "--http-port=8300"),
                Map.of("SFU_HTTP_PORT", "8200", "SFU_UDP_PORT", "10200"));
        assertEquals(8300, v.get(Settings.HTTP_PORT));
        assertEquals(10200, v.get(Settings.UDP_PORT));
        assertEquals(4100, v.get(Settings.TCP_PORT));
        assertEquals(1500L, v.get(Settings.FIRST_OFFER_DELAY));
        assertEquals(List.of(Source.FLAG, Source.ENVIRONMENT, Source.FILE, Source.DEFAULT),
                List.of(v.source(Settings.HTTP_PORT), v.source(Settings.UDP_PORT), v.source(Settings.TCP_PORT),
                        v.source(Settings.FIRST_OFFER_DELAY)));
    }

    @Test
    void aBlankValueCountsAsNotGiven() throws IOException {
        Path f = file("sfu.network.http-port = 8100");
        SettingValues v = resolve(List.of("--config", f.toString(), "--http-port="), Map.of("SFU_HTTP_PORT", " "));
        assertEquals(8100, v.get(Settings.HTTP_PORT));
    }

    @Test
    void theFileCanBeNamedByTheEnvironmentAndTheFlagWins() throws IOException {
        Path f = file("sfu.network.udp-port = 10100");
        Path other = dir.resolve("other.conf");
        Files.writeString(other, "sfu.network.udp-port = 10900");
        assertEquals(10100, resolve(List.of(), Map.of("SFU_CONFIG_FILE", f.toString())).get(Settings.UDP_PORT));
        assertEquals(10900, resolve(List.of("--config", other.toString()), Map.of("SFU_CONFIG_FILE", f.toString()))
                .get(Settings.UDP_PORT));
    }

    @Test
    void listsAreHoconListsInAFileAndCommaSeparatedElsewhere() throws Exception {
        Path f = file("""
                sfu.network.public-addresses = ["192.0.2.10", "2001:db8::1"]
                sfu.access.allowed-origins = "https://a.example.test, https://b.example.test"
                """);
        SettingValues v = resolve(List.of("--config", f.toString()), Map.of());
        assertEquals(List.of(InetAddress.getByName("192.0.2.10"), InetAddress.getByName("2001:db8::1")),
                v.get(Settings.PUBLIC_ADDRESSES));
        assertEquals(List.of("https://a.example.test", "https://b.example.test"), v.get(Settings.ALLOWED_ORIGINS));
        assertEquals(List.of("10.0.0.0/8", "::1/128"), resolve(List.of("--ice-remote-networks=10.0.0.0/8,::1/128"),
                Map.of()).get(Settings.ICE_REMOTE_NETWORKS));
    }

    @Test
    void aWrongValueFromAFlagNamesTheSettingTheFlagAndTheRange() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> resolve(List.of("--http-port=70000"), Map.of()));
        assertMessage(e, "network.http-port", "'70000'", "flag --http-port", "0 to 65535");
    }

    @Test
    void aWrongValueFromTheEnvironmentNamesTheSettingTheVariableAndTheRange() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> resolve(List.of(), Map.of("SFU_UDP_PORT", "ten thousand")));
        assertMessage(e, "network.udp-port", "environment variable SFU_UDP_PORT", "0 to 65535");
    }

    @Test
    void aWrongValueFromTheFileNamesTheSettingTheFileItsLineAndTheRange() throws IOException {
        Path f = file("""
                sfu {
                  sessions {
                    answer-timeout-ms = 10
                  }
                }
                """);
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> resolve(List.of("--config", f.toString()), Map.of()));
        assertMessage(e, "sessions.answer-timeout-ms", f + " line 3", "1000 to 600000");
    }

    @Test
    void aStrongerSourceDoesNotHideAWrongValueOnlyReplacesIt() throws IOException {
        // The file's value is never used when the flag gives one: the server starts (a wrong value it would not
        // use is not read at all, as with a variable the flag overrides).
        Path f = file("sfu.network.http-port = not-a-port");
        assertEquals(8300, resolve(List.of("--config", f.toString(), "--http-port=8300"), Map.of())
                .get(Settings.HTTP_PORT));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--ws-ping-ms=500|sessions.websocket-ping-ms", "--tcp-port=-2|network.tcp-port",
            "--bind-address=::zz|network.bind-address", "--public-address=192.0.2.1,::zz|network.public-addresses",
            "--stun-server=127.0.0.1:0|network.stun-server",
            "--ice-remote-networks=10.0.0.0/33|network.ice-remote-networks",
            "--allowed-origins=app.example.test|access.allowed-origins",
            "--ice-servers=http://turn.example.test|ice-servers.urls", "--simulated-loss=1|media.simulated-loss",
            "--drain-seconds=7200|shutdown.drain-seconds", "--max-message-bytes=256k|limits.max-message-bytes"})
    void everyKindOfWrongValueIsRefusedByName(String flag, String key) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> resolve(List.of(flag), Map.of()));
        assertMessage(e, key, "flag " + flag.substring(0, flag.indexOf('=')), "Allowed: ");
    }

    @Test
    void aSecretIsNeverRepeatedInTheRefusal() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> resolve(List.of(), Map.of("SFU_ADMIN_TOKEN", "hunter2-short")));
        assertMessage(e, "access.admin-token", "SFU_ADMIN_TOKEN", "at least 24");
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void aValueOfTheWrongShapeInTheFileIsRefused() throws IOException {
        Path f = file("sfu.network.http-port { a = 1 }");
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> resolve(List.of("--config", f.toString()), Map.of()));
        assertMessage(e, "network.http-port", "an object");
    }

    @Test
    void aFileThatIsMissingOrNotHoconIsRefusedByName() throws IOException {
        Path missing = dir.resolve("none.conf");
        assertMessage(assertThrows(InvalidSettingException.class,
                () -> resolve(List.of("--config", missing.toString()), Map.of())), missing.toString(), "--config");
        assertMessage(assertThrows(InvalidSettingException.class,
                () -> resolve(List.of(), Map.of("SFU_CONFIG_FILE", missing.toString()))), "SFU_CONFIG_FILE");
        Path broken = file("sfu { network { http-port = 8000 ");
        assertMessage(assertThrows(InvalidSettingException.class,
                () -> resolve(List.of("--config", broken.toString()), Map.of())), broken.toString());
    }

    @Test
    void anUnknownKeyInTheFileIsAWarningNamingIt() throws IOException {
        Path f = file("sfu.network.http-prot = 8100\nsfu.network.udp-port = 10100\n");
        SettingValues v = resolve(List.of("--config", f.toString()), Map.of());
        assertEquals(10100, v.get(Settings.UDP_PORT));
        assertEquals(1, v.warnings().size(), v.warnings().toString());
        assertTrue(v.warnings().get(0).contains("sfu.network.http-prot") && v.warnings().get(0).contains("line 1"),
                v.warnings().get(0));
        assertTrue(v.warnings().get(0).contains("did you mean sfu.network.http-port?"), v.warnings().get(0));
    }

    @Test
    void anUnknownFlagOrAFlagWithoutItsValueIsRefused() {
        assertMessage(assertThrows(InvalidSettingException.class, () -> CommandLine.parse("--http-prot=1")),
                "--http-prot", "did you mean --http-port?", "--help");
        assertFalse(assertThrows(InvalidSettingException.class, () -> CommandLine.parse("--verbose")).getMessage()
                .contains("did you mean"), "no guess when nothing is close");
        assertMessage(assertThrows(InvalidSettingException.class, () -> CommandLine.parse("--http-port")),
                "--http-port", "needs a value");
        assertMessage(assertThrows(InvalidSettingException.class, () -> CommandLine.parse("8000")), "'8000'");
    }

    @Test
    void theEffectiveConfigurationShowsEverySettingAndItsSourceButNoSecret() throws IOException {
        String authSecret = "0123456789abcdef0123456789abcdef-auth";
        String turnSecret = "coturn-static-auth-secret";
        String adminToken = "admin-token-of-thirty-characters";
        Path f = file("sfu.ice-servers.turn-secret = \"" + turnSecret + "\"\nsfu.tls.key = /etc/sfu/key.pem\n"
                + "sfu.tls.certificate = /etc/sfu/cert.pem\n");
        SettingValues v = resolve(List.of("--config", f.toString(), "--admin-token=" + adminToken),
                Map.of("SFU_AUTH_SECRET", authSecret, "SFU_HTTP_PORT", "8443"));
        String all = String.join("\n", v.describe());
        assertEquals(Settings.ALL.size(), v.describe().size());
        for (Setting<?> s : Settings.ALL) {
            assertTrue(all.contains(s.key() + " = "), s.key() + " missing from\n" + all);
        }
        for (String secret : List.of(authSecret, turnSecret, adminToken)) {
            assertFalse(all.contains(secret), "a secret in the log:\n" + all);
        }
        assertTrue(all.contains("access.auth-secret = ******** (set) (environment)"), all);
        assertTrue(all.contains("access.admin-token = ******** (set) (flag)"), all);
        assertTrue(all.contains("ice-servers.turn-secret = ******** (set) (file)"), all);
        assertTrue(all.contains("network.http-port = 8443 (environment)"), all);
        assertTrue(all.contains("network.udp-port = 10000 (default)"), all);
        assertTrue(all.contains("tls.key = /etc/sfu/key.pem (file)"), "the key's path, not the key: " + all);
    }

    private static void assertMessage(IllegalArgumentException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(part),
                    () -> "'" + part + "' not in: " + e.getMessage());
        }
    }
}
