package org.sfu.signaling;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Server settings for tests: free ports, bound to 127.0.0.1 only, and ICE only with loopback peers (the browsers'
 * candidates on other interfaces are ignored), so that no test traffic leaves the loopback interface.
 */
public final class LoopbackServer {
    private LoopbackServer() {
    }

    public static ServerConfig config() {
        return config(1500, 262_144, ServerConfig.DEFAULT_MAX_ROOM_PARTICIPANTS);
    }

    public static ServerConfig config(long firstOfferDelayMillis, int maxMessageBytes, int maxRoomParticipants) {
        try {
            return new ServerConfig(0, 0, InetAddress.getByName("127.0.0.1"), List.of(), null, null,
                    List.of("127.0.0.0/8", "::1/128"), firstOfferDelayMillis, maxMessageBytes, maxRoomParticipants);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The ICE role conflicts the server's agents for this participant have seen (RFC 8445 §7.3.1.1). */
    public static long roleConflicts(SfuServer server, String participant) {
        for (var router : server.media().routers()) {
            for (var peer : router.peers()) {
                if (peer.id().equals(participant)) {
                    return peer.counters().getOrDefault("ice_role_conflicts", -1L);
                }
            }
        }
        throw new AssertionError("no participant " + participant);
    }
}
