package org.sfu.signaling;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import org.sfu.signaling.access.AccessTokenIssuer;
import org.sfu.signaling.access.AccessTokenVerifier;

/**
 * {@code java -jar sfu-server.jar token --room NAME --identity WHO [--ttl SECONDS] [--no-publish] [--no-subscribe]}:
 * prints an HS256 access token signed with SFU_AUTH_SECRET, for development and scripts. Production backends mint
 * their own (docs/SECURITY.md shows how in a few lines); the secret never leaves them.
 */
final class TokenCommand {
    static final String USAGE = "usage: token --room NAME --identity WHO [--ttl SECONDS (default 3600)]"
            + " [--no-publish] [--no-subscribe]   (signs with SFU_AUTH_SECRET)";

    private TokenCommand() {
    }

    /** @return the exit status: 0 with the token on {@code out}, 2 with the reason on {@code err} */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        String room = null;
        String identity = null;
        long ttlSeconds = 3600;
        boolean publish = true;
        boolean subscribe = true;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--room" -> room = value(args, ++i);
                    case "--identity" -> identity = value(args, ++i);
                    case "--ttl" -> ttlSeconds = Long.parseLong(value(args, ++i));
                    case "--no-publish" -> publish = false;
                    case "--no-subscribe" -> subscribe = false;
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
            String secret = env.get("SFU_AUTH_SECRET");
            if (secret == null || secret.isEmpty()) {
                throw new IllegalArgumentException("SFU_AUTH_SECRET is not set");
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
