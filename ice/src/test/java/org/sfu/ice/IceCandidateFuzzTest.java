package org.sfu.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Arbitrary text as a remote ICE candidate (an SDP {@code a=candidate} line or a trickled candidate string), through
 * {@link IceCandidate#parse}: only {@link IllegalArgumentException} may come out, and what parses writes back
 * ({@link IceCandidate#toSdpValue}) to a line that parses to the same candidate. Each input is read as UTF-8 and as
 * ISO-8859-1 (every byte one character, controls included).
 *
 * <p>{@code mvn test} replays {@code IceCandidateFuzzTestInputs/candidateLine/}: candidates as Chromium and Firefox
 * write them, and near misses. {@code JAZZER_FUZZ=1} fuzzes (docs/RELIABILITY.md).
 */
class IceCandidateFuzzTest {

    @FuzzTest(maxDuration = "5m")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void candidateLine(byte[] data) {
        check(new String(data, StandardCharsets.UTF_8));
        check(new String(data, StandardCharsets.ISO_8859_1));
    }

    private static void check(String line) {
        IceCandidate candidate;
        try {
            candidate = IceCandidate.parse(line);
        } catch (IllegalArgumentException refused) {
            return;
        }
        candidate.isMdns();
        String written = candidate.toSdpValue();
        // toSdpValue writes "rport 0" for a raddr that came without a port (RFC 8839 §5.1 allows either alone).
        IceCandidate expected = candidate.relatedAddress() != null && candidate.relatedPort() == -1
                ? new IceCandidate(candidate.foundation(), candidate.component(), candidate.transport(),
                        candidate.priority(), candidate.address(), candidate.port(), candidate.type(),
                        candidate.relatedAddress(), 0, candidate.tcpType())
                : candidate;
        assertEquals(expected, IceCandidate.parse(written), written);
        assertEquals(expected, IceCandidate.parse("a=" + written), written);
    }
}
