package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sfu.signaling.message.MessageCodec;
import org.sfu.signaling.message.MessageCodec.BadMessageException;
import org.sfu.signaling.message.SignalingMessage;

/**
 * The JSON of shared/SIGNALING-API.md, byte for byte as the document and the browsers write it: given this text,
 * the codec decodes this message; given this message, the codec writes this JSON; given broken text, this error code.
 */
class MessageCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final MessageCodec codec = new MessageCodec();

    // The documented examples, verbatim (the document's "..." SDP tails kept as they are).
    private static final String DOC_OFFER = """
            {
              "type": "offer",
              "data": {
                "type": "offer",
                "sdp": "v=0\\r\\no=- 123456789 2 IN IP4 127.0.0.1\\r\\n..."
              }
            }""";
    private static final String DOC_ANSWER = """
            {
              "type": "answer",
              "data": {
                "type": "answer",\s
                "sdp": "v=0\\r\\no=- 987654321 2 IN IP4 127.0.0.1\\r\\n..."
              }
            }""";
    private static final String DOC_CANDIDATE = """
            {
              "type": "candidate",
              "data": {
                "candidate": "candidate:1 1 UDP 2013266431 192.168.1.100 54400 typ host",
                "sdpMLineIndex": 0,
                "sdpMid": "0"
              }
            }""";

    // ---- decode: the documented shapes ----

    @Test
    void documentedOfferDecodes() throws Exception {
        SignalingMessage.Offer offer = assertInstanceOf(SignalingMessage.Offer.class, codec.decode(DOC_OFFER));
        assertEquals("offer", offer.type());
        assertNotNull(offer.data());
        assertEquals("offer", offer.data().type());
        assertEquals("v=0\r\no=- 123456789 2 IN IP4 127.0.0.1\r\n...", offer.data().sdp());
    }

    @Test
    void documentedAnswerDecodes() throws Exception {
        SignalingMessage.Answer answer = assertInstanceOf(SignalingMessage.Answer.class, codec.decode(DOC_ANSWER));
        assertEquals("answer", answer.type());
        assertEquals("answer", answer.data().type());
        assertEquals("v=0\r\no=- 987654321 2 IN IP4 127.0.0.1\r\n...", answer.data().sdp());
    }

    @Test
    void documentedCandidateDecodes() throws Exception {
        SignalingMessage.Candidate c = assertInstanceOf(SignalingMessage.Candidate.class,
                codec.decode(DOC_CANDIDATE));
        assertEquals("candidate", c.type());
        assertEquals("candidate:1 1 UDP 2013266431 192.168.1.100 54400 typ host", c.data().candidate());
        assertEquals(0, c.data().sdpMLineIndex());
        assertEquals("0", c.data().sdpMid());
        assertNull(c.data().usernameFragment());
    }

    @Test
    void candidateAsBrowsersSendItKeepsUsernameFragment() throws Exception {
        // The page sends `data: event.candidate`, which JSON.stringify turns into RTCIceCandidate.toJSON().
        String text = "{\"type\":\"candidate\",\"data\":{\"candidate\":\"candidate:842163049 1 udp 1677729535 "
                + "203.0.113.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag EsAw network-cost 999\","
                + "\"sdpMid\":\"1\",\"sdpMLineIndex\":1,\"usernameFragment\":\"EsAw\"}}";
        SignalingMessage.Candidate c = assertInstanceOf(SignalingMessage.Candidate.class, codec.decode(text));
        assertEquals("candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 0.0.0.0 rport 0 "
                + "generation 0 ufrag EsAw network-cost 999", c.data().candidate());
        assertEquals(1, c.data().sdpMLineIndex());
        assertEquals("1", c.data().sdpMid());
        assertEquals("EsAw", c.data().usernameFragment());
    }

    @Test
    void endOfCandidatesDecodes() throws Exception {
        // Chrome's last onicecandidate with a non-null candidate carries an empty string (RFC 8838 §4.1).
        SignalingMessage.Candidate c = assertInstanceOf(SignalingMessage.Candidate.class, codec.decode(
                "{\"type\":\"candidate\",\"data\":{\"candidate\":\"\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}"));
        assertEquals("", c.data().candidate());
    }

    @Test
    void unknownPropertiesAreIgnored() throws Exception {
        SignalingMessage.Offer offer = assertInstanceOf(SignalingMessage.Offer.class, codec.decode(
                "{\"type\":\"offer\",\"room\":\"x\",\"data\":{\"type\":\"offer\",\"sdp\":\"v=0\",\"extra\":[1]}}"));
        assertEquals("v=0", offer.data().sdp());
    }

    @Test
    void offerWithoutDataDecodesWithNullData() throws Exception {
        // The session, not the codec, refuses it ("an offer needs data.sdp").
        SignalingMessage.Offer offer = assertInstanceOf(SignalingMessage.Offer.class,
                codec.decode("{\"type\":\"offer\"}"));
        assertNull(offer.data());
    }

    // ---- encode: the documented shapes, compared as JSON trees ----

    @Test
    void clientIdEncodesExactlyAsDocumented() throws Exception {
        String id = "550e8400-e29b-41d4-a716-446655440000";
        String text = codec.encode(SignalingMessage.ClientId.of(id));
        assertEquals("{\"type\":\"client_id\",\"data\":\"" + id + "\"}", text);
        assertEquals(JSON.readTree("{\"type\": \"client_id\", \"data\": \"" + id + "\"}"), JSON.readTree(text));
    }

    @Test
    void offerEncodesAsDocumented() throws Exception {
        String sdp = "v=0\r\no=- 123456789 2 IN IP4 127.0.0.1\r\n...";
        assertEquals(JSON.readTree(DOC_OFFER), JSON.readTree(codec.encode(SignalingMessage.Offer.of(sdp))));
    }

    @Test
    void answerEncodesAsDocumented() throws Exception {
        String sdp = "v=0\r\no=- 987654321 2 IN IP4 127.0.0.1\r\n...";
        assertEquals(JSON.readTree(DOC_ANSWER), JSON.readTree(codec.encode(SignalingMessage.Answer.of(sdp))));
    }

    @Test
    void candidateEncodesAsDocumented() throws Exception {
        String text = codec.encode(SignalingMessage.Candidate.of(
                "candidate:1 1 UDP 2013266431 192.168.1.100 54400 typ host", "0", 0));
        // No "usernameFragment": null, which RTCIceCandidate's constructor would take for a real value.
        assertEquals(JSON.readTree(DOC_CANDIDATE), JSON.readTree(text));
    }

    @Test
    void errorEncodesAsTypeErrorWithCodeAndMessage() throws Exception {
        String text = codec.encode(SignalingMessage.Error.of("bad-offer", "malformed SDP: \"quoted\"\n"));
        assertEquals(JSON.readTree("{\"type\":\"error\",\"data\":{\"code\":\"bad-offer\","
                + "\"message\":\"malformed SDP: \\\"quoted\\\"\\n\"}}"), JSON.readTree(text));
    }

    @Test
    void videoPausedForBandwidthEncodesAsDocumentedInProtocolMd() throws Exception {
        assertEquals(JSON.readTree("{\"type\":\"video_paused\",\"data\":{\"participant\":\"p1\",\"mid\":\"1\","
                        + "\"reason\":\"bandwidth\"}}"),
                JSON.readTree(codec.encode(SignalingMessage.VideoPaused.of("p1", "1", true))));
        assertEquals(JSON.readTree("{\"type\":\"video_resumed\",\"data\":{\"participant\":\"p1\",\"mid\":\"1\","
                        + "\"reason\":\"bandwidth\"}}"),
                JSON.readTree(codec.encode(SignalingMessage.VideoPaused.of("p1", "1", false))));
    }

    @Test
    void encodedMessagesDecodeToThemselves() throws Exception {
        for (SignalingMessage m : new SignalingMessage[] {
                SignalingMessage.ClientId.of("550e8400-e29b-41d4-a716-446655440000"),
                SignalingMessage.Offer.of("v=0\r\n"), SignalingMessage.Answer.of("v=0\r\n"),
                SignalingMessage.Candidate.of("candidate:1 1 udp 1 127.0.0.1 9 typ host", "0", 0),
                SignalingMessage.Error.of("bad-json", "not JSON")}) {
            assertEquals(m, codec.decode(codec.encode(m)), m.type());
        }
    }

    // ---- decode: what a broken frame gets back ----

    @ParameterizedTest
    @ValueSource(strings = {"{", "hello", "{\"type\":\"offer\",}", "{\"type\":'offer'}", "{\"type\":\"offer\"",
            "\u0000", "{\"type\":\"offer\",\"data\":{\"sdp\":\"v=0}}"})
    void notJsonIsBadJson(String text) {
        assertCode("bad-json", text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"type\":\"offer\"}]", "5", "-1.5e3", "\"offer\"", "true", "null"})
    void jsonThatIsNotAnObjectIsBadMessage(String text) {
        assertCode("bad-message", text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"data\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}", "{\"type\":null}",
            "{\"type\":5}", "{\"type\":true}", "{\"type\":[\"offer\"]}", "{\"type\":{\"name\":\"offer\"}}",
            "{\"Type\":\"offer\"}"})
    void missingOrNonStringTypeIsBadMessage(String text) {
        assertCode("bad-message", text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":\"hello\"}", "{\"type\":\"hello\",\"data\":{}}", "{\"type\":\"\"}",
            "{\"type\":\"Offer\",\"data\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}", "{\"type\":\"join\",\"data\":5}"})
    void unknownTypeIsUnknownType(String text) {
        assertCode("unknown-type", text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":\"offer\",\"data\":5}", "{\"type\":\"offer\",\"data\":[1,2]}",
            "{\"type\":\"offer\",\"data\":true}", "{\"type\":\"answer\",\"data\":5}",
            "{\"type\":\"offer\",\"data\":{\"type\":\"offer\",\"sdp\":{\"v\":0}}}",
            "{\"type\":\"offer\",\"data\":{\"type\":\"offer\",\"sdp\":[\"v=0\"]}}",
            "{\"type\":\"candidate\",\"data\":[\"candidate:1 1 udp 1 127.0.0.1 9 typ host\"]}",
            "{\"type\":\"candidate\",\"data\":{\"candidate\":\"c\",\"sdpMLineIndex\":\"zero\"}}",
            "{\"type\":\"candidate\",\"data\":{\"candidate\":\"c\",\"sdpMLineIndex\":{}}}",
            "{\"type\":\"client_id\",\"data\":{\"id\":\"x\"}}"})
    void dataOfTheWrongShapeIsBadMessage(String text) {
        assertCode("bad-message", text);
    }

    @Test
    void deeplyNestedArraysAreRefusedWithoutOverflowingTheStack() {
        assertRefusedWithoutStackOverflow("[".repeat(100_000) + "]".repeat(100_000));
    }

    @Test
    void deeplyNestedDataIsRefusedWithoutOverflowingTheStack() {
        String nested = "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000);
        assertRefusedWithoutStackOverflow("{\"type\":\"offer\",\"data\":" + nested + "}");
    }

    @Test
    void unterminatedDeepNestingIsRefusedWithoutOverflowingTheStack() {
        assertRefusedWithoutStackOverflow("[".repeat(100_000));
    }

    @Test
    void aLargeButFlatMessageStillDecodes() throws Exception {
        // The codec itself has no size limit; the WebSocket's maxMessageBytes is the one that applies.
        String sdp = "v=0\r\n" + "a=x\r\n".repeat(200_000);
        SignalingMessage.Offer offer = assertInstanceOf(SignalingMessage.Offer.class,
                codec.decode(codec.encode(SignalingMessage.Offer.of(sdp))));
        assertEquals(sdp, offer.data().sdp());
    }

    private void assertRefusedWithoutStackOverflow(String text) {
        try {
            codec.decode(text);
            fail("decoded " + text.length() + " characters of deep nesting");
        } catch (BadMessageException e) {
            // Jackson's StreamReadConstraints (maxNestingDepth 1000 by default) stop the parser first.
            assertEquals("bad-json", e.code(), e.getMessage());
        } catch (StackOverflowError e) {
            fail("deep nesting overflowed the stack", e);
        } catch (RuntimeException e) {
            fail("deep nesting escaped as " + e, e);
        }
    }

    private void assertCode(String code, String text) {
        BadMessageException e = assertThrows(BadMessageException.class, () -> codec.decode(text), text);
        assertEquals(code, e.code(), () -> text + " -> " + e.getMessage());
        assertNotNull(e.getMessage());
    }
}
