package org.sfu.media.transport;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

import org.sfu.srtp.SrtpKeyMaterial;

/**
 * Benchmark access to a {@link WebRtcTransport} without a network: hands it a datagram as ice4j's receive thread
 * would, and installs the SRTP keys a DTLS handshake would have produced. Lives in the transport's package because
 * the receive entry point is package-private; nothing in the server uses it.
 */
public final class TransportFixture {
    private TransportFixture() {
    }

    /** What {@code IceTransport} does with each DTLS/RTP/RTCP datagram: {@code WebRtcTransport.onDatagram}. */
    public static void receive(WebRtcTransport transport, byte[] buf, int offset, int length) {
        transport.onDatagram(buf, offset, length);
    }

    /** As if the DTLS handshake had just finished with these keys (the transport then reports itself connected). */
    public static void installKeys(WebRtcTransport transport, SrtpKeyMaterial keys) {
        try {
            Method onKeys = WebRtcTransport.class.getDeclaredMethod("onKeys", SrtpKeyMaterial.class);
            onKeys.setAccessible(true);
            onKeys.invoke(transport, keys);
        } catch (NoSuchMethodException | IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot install SRTP keys", e);
        }
    }
}
