package org.sfu.signaling.admin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * Who may use the admin API: with {@code SFU_ADMIN_TOKEN} set, a request must carry {@code Authorization: Bearer
 * <token>}; without it, only requests from the machine itself (loopback) are served, so an operator on the host or
 * behind an SSH tunnel can use it and nobody else.
 */
public final class AdminAccess {
    /** A shorter token is too easy to guess at the rate an HTTPS port answers. */
    static final int MIN_TOKEN_CHARS = 24;

    private final byte[] token;

    private AdminAccess(String token) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    /** Loopback only: what the embedded default and tests use. */
    public static AdminAccess loopbackOnly() {
        return new AdminAccess(null);
    }

    /** A bearer token for requests from anywhere. */
    public static AdminAccess withToken(String token) {
        if (token == null || token.length() < MIN_TOKEN_CHARS) {
            throw new IllegalArgumentException("SFU_ADMIN_TOKEN must have at least " + MIN_TOKEN_CHARS
                    + " characters");
        }
        return new AdminAccess(token);
    }

    /** From SFU_ADMIN_TOKEN; loopback only when it is not set. */
    public static AdminAccess fromEnvironment(Map<String, String> env) {
        String token = env.get("SFU_ADMIN_TOKEN");
        return token == null || token.isEmpty() ? loopbackOnly() : withToken(token);
    }

    public boolean requiresToken() {
        return token != null;
    }

    /**
     * The HTTP status that refuses the request, or 0 when it may go on.
     *
     * @param remoteAddress the peer's address as the socket has it
     * @param authorization the request's Authorization header, or null
     */
    int refusal(String remoteAddress, String authorization) {
        if (token != null) {
            String prefix = "Bearer ";
            if (authorization == null || !authorization.startsWith(prefix)) {
                return 401;
            }
            // Constant time: how much of a guess was right must not show in how long the refusal takes.
            byte[] given = authorization.substring(prefix.length()).trim().getBytes(StandardCharsets.UTF_8);
            return MessageDigest.isEqual(token, given) ? 0 : 401;
        }
        return isLoopback(remoteAddress) ? 0 : 403;
    }

    private static boolean isLoopback(String address) {
        if (address == null) {
            return false;
        }
        try {
            // A literal from the socket: no name lookup happens.
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
