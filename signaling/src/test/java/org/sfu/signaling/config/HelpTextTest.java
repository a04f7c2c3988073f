package org.sfu.signaling.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** --help, --version and docs/CONFIGURATION.md against the one table of settings, so none of them can drift. */
class HelpTextTest {

    @Test
    void helpListsEverySettingWithItsFlagVariableKeyDefaultAndRange() {
        String help = HelpText.render();
        for (Setting<?> s : Settings.ALL) {
            assertTrue(help.contains(s.flag() + "=VALUE   " + s.env() + "   sfu." + s.key() + "\n"), s.key());
            assertTrue(help.contains("default: " + s.defaultText() + "; allowed: " + s.format().allowed()), s.key());
        }
        assertTrue(help.contains("--config FILE") && help.contains("SFU_CONFIG_FILE") && help.contains("--version"));
    }

    @Test
    void everySettingHasItsOwnVariableFlagAndKey() {
        Set<String> seen = new HashSet<>();
        for (Setting<?> s : Settings.ALL) {
            assertTrue(seen.add(s.env()) && seen.add(s.flag()) && seen.add(s.key()), s.key() + " is not unique");
            assertTrue(s.key().matches("[a-z-]+\\.[a-z-]+"), s.key() + ": group.name");
        }
        assertEquals(42, Settings.ALL.size(), "a new setting goes into Settings.ALL (and into the docs)");
    }

    @Test
    void theFlagIsTheVariablesName() {
        assertEquals("--http-port", Settings.HTTP_PORT.flag());
        assertEquals("--max-connections-per-ip", Settings.MAX_CONNECTIONS_PER_IP.flag());
        assertEquals("--ws-ping-ms", Settings.WEBSOCKET_PING.flag());
    }

    @Test
    void theVersionIsTheBuildsVersion() {
        String version = Version.current();
        assertNotEquals("unknown", version);
        assertTrue(version.matches("\\d+\\.\\d+\\.\\d+.*"), version);
    }

    @Test
    void theConfigurationReferenceDocumentsEverySetting() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "CONFIGURATION.md"));
        for (Setting<?> s : Settings.ALL) {
            assertTrue(doc.contains("`" + s.env() + "`"), s.env() + " missing from docs/CONFIGURATION.md");
            assertTrue(doc.contains("`" + s.key() + "`"), s.key() + " missing from docs/CONFIGURATION.md");
            assertTrue(doc.contains("`" + s.flag() + "`"), s.flag() + " missing from docs/CONFIGURATION.md");
        }
    }

    @Test
    void theSampleConfigurationFileIsValidAndNamesOnlyRealSettings() throws Exception {
        SettingValues v = SettingValues.resolve(
                CommandLine.parse("--config", Path.of("..", "docs", "sfu.conf.example").toString()),
                java.util.Map.of());
        assertEquals(java.util.List.of(), v.warnings());
    }
}
