package org.sfu.loadgen.relay;

import java.nio.charset.StandardCharsets;

/**
 * The relay's only control messages, plain ASCII datagrams: {@code SFU-RELAY-HELLO <room>} joins the sender's address
 * to a room, {@code SFU-RELAY-BYE} takes it out. Their first byte ('S', 83) is outside the RTP/RTCP range 128–191
 * (RFC 7983), so they cannot be mistaken for media.
 */
public final class RelayHello {
    static final String HELLO = "SFU-RELAY-HELLO ";
    static final String BYE = "SFU-RELAY-BYE";

    private RelayHello() {
    }

    public static byte[] hello(String room) {
        return (HELLO + room).getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] bye() {
        return BYE.getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether the datagram is a control message rather than RTP/RTCP. */
    static boolean isControl(byte first) {
        return first == 'S';
    }
}
