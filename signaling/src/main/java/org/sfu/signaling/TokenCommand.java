package org.sfu.signaling;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.sfu.signaling.access.AccessTokenIssuer;
import org.sfu.signaling.access.AccessTokenVerifier;
import org.sfu.signaling.config.CommandLine;
import org.sfu.signaling.config.SettingValues;
import org.sfu.signaling.config.Settings;

/**
 * {@code java -jar sfu-server.jar token --room NAME --identity WHO [--ttl SECONDS] [--no-publish] [--no-subscribe]
 * [--config FILE]}: prints an HS256 access token signed with the server's secret (SFU_AUTH_SECRET, or
 * access.auth-secret in the configuration file, found as the server finds it), for development and scripts. Production backends mint
 * their own (docs/SECURITY.md shows how in a few lines); the secret never leaves them.
 */
final class TokenCommand {
    static final String USAGE = "usage: token --room NAME --identity WHO [--ttl SECONDS (default 3600)]"
            + " [--no-publish] [--no-subscribe] [--config FILE]   (signs with SFU_AUTH_SECRET or the file's"
            + " access.auth-secret)";

    private TokenCommand() {
    }

    /** @return the exit status: 0 with the token on {@code out}, 2 with the reason on {@code err} */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        String room = null;
        String identity = null;
        long ttlSeconds = 3600;
        boolean publish = true;
        boolean subscribe = true;
        Path config = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--room" -> room = value(args, ++i);
                    case "--identity" -> identity = value(args, ++i);
                    case "--ttl" -> ttlSeconds = Long.parseLong(value(args, ++i));
                    case "--no-publish" -> publish = false;
                    case "--no-subscribe" -> subscribe = false;
                    case CommandLine.CONFIG_FLAG -> config = Path.of(value(args, ++i));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (room == null || identity == null) {
                throw new IllegalArgumentException("--room and --identity are required");
            }
            if (!SignalingEndpoint.ROOM_NAME.matcher(room).matches()) {
                throw new IllegalArgumentException("a room name is 1 to 64 letters, digits or _ . ~ -");
            }
            if (ttlSeconds < 1) {
                throw new IllegalArgumentException("--ttl must be at least 1 second");
            }
            // The same secret the server verifies with: variable over file, as the server resolves it.
            String secret = SettingValues.resolve(new CommandLine(Map.of(), config, false, false), env)
                    .get(Settings.AUTH_SECRET);
            if (secret == null) {
                throw new IllegalArgumentException(Settings.AUTH_SECRET.env() + " (" + Settings.AUTH_SECRET.key()
                        + " in a configuration file) is not set");
            }
            out.println(new AccessTokenIssuer(AccessTokenVerifier.secretBytes(secret))
                    .issue(identity, room, publish, subscribe, Duration.ofSeconds(ttlSeconds)));
            return 0;
        } catch (IllegalArgumentException e) {
            // NumberFormatException included.
            err.println("token: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }
}
