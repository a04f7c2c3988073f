package org.sfu.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.ice4j.StunException;
import org.ice4j.attribute.Attribute;
import org.ice4j.message.Message;
import org.junit.jupiter.api.Timeout;

/**
 * Arbitrary bytes as a datagram on the shared ICE port, as the server meets it: {@link DatagramKind} classifies the
 * first byte (RFC 7983), and what ice4j takes for STUN is decoded by {@link Message#decode}, as ice4j's harvester does
 * for a datagram from a new address (to read the USERNAME's ufrag) and its stack does for every STUN message of a
 * bound address. Decoding may refuse the bytes with a {@link StunException}.
 *
 * <p>Known ice4j defects, found here: a malformed attribute makes {@code Message.decode} throw a runtime exception
 * instead of a {@code StunException}. Three kinds within the first minutes, each with its input:
 * {@link ArrayIndexOutOfBoundsException} for an attribute whose length runs past the message
 * ({@code found-ice4j-attribute-past-the-message}), {@link IllegalArgumentException} for an ERROR-CODE whose class is
 * not 3..6 (RFC 8489 §14.8; {@code found-ice4j-error-code-class-out-of-range}), {@link NegativeArraySizeException} for
 * an ERROR-CODE shorter than its 4 fixed bytes ({@code found-ice4j-error-code-shorter-than-4}). They are contained in
 * ice4j, which expects its decoders to throw: the harvester's {@code AbstractUdpListener.getUfrag} catches any
 * {@code Exception} (the datagram is dropped), the stack's {@code MessageProcessingTask} any {@code Throwable} (logged
 * at SEVERE, the message dropped). So this target tolerates a {@link RuntimeException} from ice4j and fails on an
 * {@link Error} (a stack overflow, an allocation out of memory) or a hang: what would escape ice4j's containment.
 *
 * <p>{@code mvn test} replays {@code StunFuzzTestInputs/stunDatagram/}: STUN seeds from the WebRTC fuzzer corpora.
 * {@code JAZZER_FUZZ=1} fuzzes (docs/RELIABILITY.md).
 */
class StunFuzzTest {

    @FuzzTest(maxDuration = "5m")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void stunDatagram(byte[] data) {
        if (data.length > 0) {
            assertNotNull(DatagramKind.of(data[0]));
        }
        decode(data, 0);
        // Inside a larger array, as a receive buffer holds it.
        byte[] shifted = new byte[data.length + 6];
        System.arraycopy(data, 0, shifted, 3, data.length);
        decode(shifted, 3, data.length);
    }

    private static void decode(byte[] data, int off) {
        decode(data, off, data.length - off);
    }

    private static void decode(byte[] buf, int off, int len) {
        Message message;
        try {
            message = Message.decode(buf, off, len);
        } catch (StunException refused) {
            return;
        } catch (RuntimeException containedByIce4j) {
            return; // see the class comment
        }
        message.getMessageType();
        message.getTransactionID();
        for (Attribute a : message.getAttributes()) {
            assertEquals(a.getAttributeType(), a.getAttributeType());
            a.getDataLength();
        }
    }
}
