package org.sfu.media.negotiation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.sfu.dtls.DtlsCertificate;
import org.sfu.ice.IceCandidate;
import org.sfu.media.sdp.MediaDescription;
import org.sfu.media.sdp.SdpParseException;
import org.sfu.media.sdp.SessionDescription;

/**
 * Arbitrary text as a participant's SDP: {@link SessionDescription#parse} and the typed views of each m-section, then
 * {@link Negotiator#receiveOffer} on a new negotiator, and {@link Negotiator#receiveAnswer} to an outstanding server
 * offer. The only acceptable failures are {@link NegotiationException}, {@link SdpParseException} and
 * {@link IllegalArgumentException}; a description that parses writes back to one that parses to the same value; and a
 * negotiator that refused the input still answers Chromium's captured offer (a refused answer leaves the server's
 * offer outstanding).
 *
 * <p>{@code mvn test} replays {@code SdpNegotiationFuzzTestInputs/sdpOffer/}: SDP seeds from the WebRTC fuzzer
 * corpora and captured browser descriptions. {@code JAZZER_FUZZ=1} fuzzes (docs/RELIABILITY.md).
 */
class SdpNegotiationFuzzTest {
    private static final LocalTransportParameters LOCAL = new LocalTransportParameters("srvU",
            "serverPasswordOf24Chars0", DtlsCertificate.generate().fingerprint(),
            List.of(IceCandidate.parse("candidate:1 1 udp 2130706431 127.0.0.1 10000 typ host")));
    private static final String GOOD_OFFER = resource("/sdp/chromium-offer-audio-video.sdp");

    @FuzzTest(maxDuration = "5m")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void sdpOffer(byte[] data) {
        String sdp = new String(data, StandardCharsets.UTF_8);
        parse(sdp);
        offer(sdp);
        answer(sdp);
    }

    private static void parse(String sdp) {
        SessionDescription parsed;
        try {
            parsed = SessionDescription.parse(sdp);
        } catch (IllegalArgumentException e) { // SdpParseException included
            return;
        }
        for (MediaDescription m : parsed.media()) {
            m.codecs().forEach(c -> {
                c.apt();
                c.toAttributes();
            });
            m.extmaps();
            m.ssrcAttributes();
            m.ssrcGroups();
            m.direction();
            parsed.direction(m);
            parsed.iceUfrag(m);
            parsed.fingerprint(m);
            parsed.setup(m);
        }
        parsed.bundleMids();
        parsed.transportMedia();
        String written = parsed.toSdp();
        assertEquals(parsed, SessionDescription.parse(written), "what parses writes back to the same description");
    }

    private static void offer(String sdp) {
        Negotiator negotiator = new Negotiator(LOCAL);
        try {
            Negotiator.Result result = negotiator.receiveOffer(sdp, List.of());
            // Accepted: the answer is a description the server itself can read.
            SessionDescription answer = SessionDescription.parse(result.answerSdp());
            assertTrue(answer.media().size() >= 1);
            return;
        } catch (NegotiationException | IllegalArgumentException refused) {
            // The participant is told; the session is as it was.
        }
        try {
            Negotiator.Result good = negotiator.receiveOffer(GOOD_OFFER, List.of());
            assertEquals(2, SessionDescription.parse(good.answerSdp()).media().size(),
                    "a negotiator that refused an offer still answers a good one");
        } catch (NegotiationException e) {
            throw new AssertionError("the good offer was refused after a bad one: " + e.getMessage(), e);
        }
    }

    private static void answer(String sdp) {
        Negotiator negotiator = new Negotiator(LOCAL);
        negotiator.createOffer(List.of());
        try {
            negotiator.receiveAnswer(sdp);
        } catch (NegotiationException | IllegalArgumentException refused) {
            assertTrue(negotiator.hasLocalOffer(), "a refused answer leaves the server's offer outstanding");
        }
    }

    private static String resource(String name) {
        try (InputStream in = SdpNegotiationFuzzTest.class.getResourceAsStream(name)) {
            assertNotNull(in, name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
