package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sfu.signaling.access.AccessTokenVerifier;

/** The token sub-command finds the secret where the server does: the variable, else the configuration file. */
class TokenCommandTest {
    private static final String FILE_SECRET = "a-secret-of-the-configuration-file-0123456789";
    private static final String ENV_SECRET = "a-secret-of-the-environment-0123456789abcdef";

    @TempDir
    Path dir;

    private String token(Map<String, String> env, String... extra) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("--room", "r", "--identity", "i"),
                java.util.Arrays.stream(extra)).toArray(String[]::new);
        int status = TokenCommand.run(args, env, new PrintStream(out, true), new PrintStream(err, true));
        return status == 0 ? out.toString(StandardCharsets.UTF_8).trim() : "error " + status + ": " + err;
    }

    private static boolean signedWith(String secret, String token) {
        try {
            new AccessTokenVerifier(AccessTokenVerifier.secretBytes(secret), null).verify(token);
            return true;
        } catch (org.sfu.signaling.access.InvalidAccessTokenException | RuntimeException e) {
            return false;
        }
    }

    @Test
    void theSecretComesFromTheFileUnlessTheVariableIsSet() throws Exception {
        Path file = dir.resolve("sfu.conf");
        Files.writeString(file, "sfu.access.auth-secret = \"" + FILE_SECRET + "\"\n");
        String fromFile = token(Map.of(), "--config", file.toString());
        assertTrue(signedWith(FILE_SECRET, fromFile), fromFile);
        String fromEnvFile = token(Map.of("SFU_CONFIG_FILE", file.toString()));
        assertTrue(signedWith(FILE_SECRET, fromEnvFile), fromEnvFile);
        String fromVariable = token(Map.of("SFU_AUTH_SECRET", ENV_SECRET), "--config", file.toString());
        assertTrue(signedWith(ENV_SECRET, fromVariable), "the variable wins over the file: " + fromVariable);
    }

    @Test
    void withoutASecretAnywhereItSaysWhereToSetOne() {
        String result = token(Map.of());
        assertTrue(result.startsWith("error 2") && result.contains("SFU_AUTH_SECRET")
                && result.contains("access.auth-secret"), result);
        assertFalse(signedWith(ENV_SECRET, result));
        assertEquals("error 2", token(Map.of("SFU_AUTH_SECRET", "short")).substring(0, 7), "a short secret refused");
    }
}
