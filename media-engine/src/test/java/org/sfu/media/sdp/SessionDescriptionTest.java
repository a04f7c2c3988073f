package org.sfu.media.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Given SDP captured from Chromium 156 (src/test/resources/sdp), when parsed, then ... */
class SessionDescriptionTest {

    static String resource(String name) {
        try (InputStream in = SessionDescriptionTest.class.getResourceAsStream("/sdp/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static final String OFFER_AV = "chromium-offer-audio-video.sdp";
    static final String OFFER_RECVONLY = "chromium-offer-recvonly.sdp";
    static final String ANSWER = "chromium-answer-to-server-offer.sdp";
    static final String SERVER_OFFER = "server-offer-handwritten.sdp";

    @Test
    void chromiumAudioVideoOffer_sessionLevel() {
        SessionDescription sd = SessionDescription.parse(resource(OFFER_AV));
        assertEquals("- 8419027832921878271 2 IN IP4 127.0.0.1", sd.origin());
        assertEquals("-", sd.sessionName());
        assertEquals(List.of("0", "1"), sd.bundleMids());
        assertEquals(" WMS 4246a8dd-5f84-4906-812a-b51e86d83f51", sd.attribute("msid-semantic").orElseThrow());
        assertEquals("", sd.attribute("extmap-allow-mixed").orElseThrow());
        assertEquals(2, sd.media().size());
    }

    @Test
    void chromiumAudioVideoOffer_audioSection() {
        SessionDescription sd = SessionDescription.parse(resource(OFFER_AV));
        MediaDescription audio = sd.media().get(0);
        assertEquals("audio", audio.kind());
        assertEquals(56768, audio.port());
        assertEquals("UDP/TLS/RTP/SAVPF", audio.protocol());
        assertEquals(List.of("111", "63", "9", "0", "8", "13", "110", "126"), audio.formats());
        assertEquals("IN IP4 127.0.0.1", audio.connection());
        assertEquals("0", audio.mid());
        assertEquals(Direction.SENDRECV, audio.direction());
        assertTrue(audio.rtcpMux());
        assertTrue(audio.rtcpRsize());
        assertFalse(audio.isRejected());
        assertEquals("8Ili", sd.iceUfrag(audio));
        assertEquals("X8LMI90Y03lk9UNabHajPEXl", sd.icePwd(audio));
        assertEquals("sha-256 8D:B8:58:18:E9:42:34:2E:54:2F:A5:01:06:6C:DB:7F:68:D6:DC:49:08:5F:96:B8:EF:46:7E:1B:CE:23:EB:83",
                sd.fingerprint(audio));
        assertEquals("actpass", sd.setup(audio));
        assertEquals(8, audio.attributes("candidate").size());
        assertTrue(audio.attributes("candidate").get(1).contains("192.0.2.2 60061 typ host"));

        List<RtpCodec> codecs = audio.codecs();
        assertEquals(8, codecs.size());
        RtpCodec opus = codecs.get(0);
        assertEquals(new RtpCodec(111, "opus", 48000, 2, Map.of("minptime", "10", "useinbandfec", "1"), List.of("transport-cc")), opus);
        assertEquals(List.of("minptime", "useinbandfec"), List.copyOf(opus.fmtp().keySet()), "fmtp keeps SDP order");
        RtpCodec red = codecs.get(1);
        assertEquals("red", red.name());
        assertEquals(2, red.channels());
        assertEquals(Map.of("111/111", ""), red.fmtp());
        assertEquals("111/111", red.fmtpValue());
        assertEquals(new RtpCodec(0, "PCMU", 8000), codecs.get(3));
        assertEquals(1, codecs.get(3).channels());
        assertEquals(-1, opus.apt());

        assertEquals(List.of(new Extmap(1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"),
                new Extmap(2, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"),
                new Extmap(3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"),
                new Extmap(4, "urn:ietf:params:rtp-hdrext:sdes:mid")), audio.extmaps());
        assertEquals(4, audio.extmapId("urn:ietf:params:rtp-hdrext:sdes:mid"));

        assertEquals(Map.of(1539445745L, Map.of("cname", "lLjTH+t9f3h/lccU",
                "msid", "4246a8dd-5f84-4906-812a-b51e86d83f51 eda14ba2-7b08-4a3e-8a46-d20fd57fd28c")), audio.ssrcAttributes());
        assertEquals("4246a8dd-5f84-4906-812a-b51e86d83f51 eda14ba2-7b08-4a3e-8a46-d20fd57fd28c", audio.msid());
        assertEquals(List.of(), audio.ssrcGroups());
    }

    @Test
    void chromiumAudioVideoOffer_videoSection() {
        SessionDescription sd = SessionDescription.parse(resource(OFFER_AV));
        MediaDescription video = sd.mediaByMid("1").orElseThrow();
        assertEquals("video", video.kind());
        assertEquals(60057, video.port());
        assertEquals(23, video.formats().size());
        List<RtpCodec> codecs = video.codecs();
        assertEquals(23, codecs.size(), "every format has an rtpmap");
        List<String> fullFeedback = List.of("goog-remb", "transport-cc", "ccm fir", "nack", "nack pli");

        RtpCodec vp8 = codecs.get(0);
        assertEquals(new RtpCodec(96, "VP8", 90000, 1, Map.of(), fullFeedback), vp8);
        RtpCodec rtx = codecs.get(1);
        assertEquals(97, rtx.payloadType());
        assertTrue(rtx.isRtx());
        assertEquals(96, rtx.apt());

        RtpCodec h264pm1 = video.codec(102).orElseThrow();
        assertEquals("H264", h264pm1.name());
        assertEquals(Map.of("level-asymmetry-allowed", "1", "packetization-mode", "1", "profile-level-id", "42001f"), h264pm1.fmtp());
        assertEquals(fullFeedback, h264pm1.rtcpFeedback());
        assertEquals(102, video.codec(103).orElseThrow().apt());
        RtpCodec h264pm0 = video.codec(104).orElseThrow();
        RtpCodec h264high = video.codec(108).orElseThrow();
        assertFalse(h264pm1.sameCodecAs(h264pm0), "packetization-mode differs");
        assertFalse(h264pm1.sameCodecAs(h264high), "profile-level-id 42001f vs 42e01f");
        assertTrue(h264pm1.sameCodecAs(h264pm1.withPayloadType(125).withFmtp(
                Map.of("profile-level-id", "42001F", "packetization-mode", "1"))));
        assertFalse(video.codec(98).orElseThrow().sameCodecAs(video.codec(100).orElseThrow()), "VP9 profile 0 vs 2");
        assertTrue(vp8.sameCodecAs(new RtpCodec(100, "vp8", 90000)));
        assertEquals("ulpfec", codecs.get(22).name());

        assertEquals(List.of(new SsrcGroup("FID", List.of(2397679162L, 1634747272L))), video.ssrcGroups());
        assertEquals(List.of(2397679162L, 1634747272L), video.ssrcs());
        assertEquals("lLjTH+t9f3h/lccU", video.ssrcAttributes().get(1634747272L).get("cname"));
        assertEquals(new Extmap(14, "urn:ietf:params:rtp-hdrext:toffset"), video.extmaps().get(0));
        assertEquals(11, video.extmaps().size());
    }

    @Test
    void chromiumRecvonlyOffer() {
        SessionDescription sd = SessionDescription.parse(resource(OFFER_RECVONLY));
        assertEquals(List.of("0", "1"), sd.bundleMids());
        for (MediaDescription m : sd.media()) {
            assertEquals(Direction.RECVONLY, m.direction());
            assertEquals(Direction.RECVONLY, sd.direction(m));
            assertTrue(m.ssrcAttributes().isEmpty());
            assertNull(m.msid());
            assertEquals("l7xt", sd.iceUfrag(m));
            assertEquals("Xq6Q9K/XR/tD0nnHH+cq7AjR", sd.icePwd(m));
        }
        MediaDescription video = sd.media().get(1);
        assertEquals(video.formats().size(), video.codecs().size());
        assertEquals(new RtpCodec(49, "flexfec-03", 90000, 1, Map.of("repair-window", "10000000"), List.of("goog-remb", "transport-cc")),
                video.codec(49).orElseThrow());
    }

    @Test
    void chromiumAnswerToHandwrittenServerOffer() {
        SessionDescription offer = SessionDescription.parse(resource(SERVER_OFFER));
        SessionDescription answer = SessionDescription.parse(resource(ANSWER));
        assertEquals(offer.bundleMids(), answer.bundleMids());
        MediaDescription audio = answer.media().get(0);
        MediaDescription video = answer.media().get(1);
        assertEquals("active", answer.setup(audio));
        assertEquals(Direction.RECVONLY, audio.direction());
        assertEquals(offer.media().get(0).direction().reverse(), audio.direction());
        assertEquals(9, video.port());
        assertEquals("IN IP4 0.0.0.0", video.connection());
        assertEquals(List.of(96, 97), video.codecs().stream().map(RtpCodec::payloadType).toList());
        assertEquals("hNNN", answer.iceUfrag(video));
        assertTrue(video.rtcpRsize());
        assertFalse(audio.rtcpRsize());
    }

    @ParameterizedTest
    @ValueSource(strings = {OFFER_AV, OFFER_RECVONLY, ANSWER, SERVER_OFFER})
    void toSdpReproducesChromiumBytesAndRoundTrips(String name) {
        String text = resource(name);
        SessionDescription sd = SessionDescription.parse(text);
        assertEquals(text, sd.toSdp(), "these files use only modelled lines, so output is byte-identical");
        assertEquals(sd, SessionDescription.parse(sd.toSdp()));
    }

    @Test
    void lfLineEndingsAndTrailingWhitespaceAreAccepted() {
        String text = resource(OFFER_AV);
        String lf = text.replace("\r\n", "\n");
        String sloppy = text.replace("\r\n", "  \t\r\n") + "\r\n\r\n";
        SessionDescription expected = SessionDescription.parse(text);
        assertEquals(expected, SessionDescription.parse(lf));
        assertEquals(expected, SessionDescription.parse(sloppy));
    }

    @Test
    void unknownLinesAreToleratedAndUnknownAttributesKept() {
        String sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nb=AS:30\r\nt=0 0\r\nx=whatever\r\n"
                + "a=x-custom:1 2 3\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nb=AS:10\r\nc=IN IP4 0.0.0.0\r\n"
                + "a=mid:2\r\na=sctp-port:5000\r\na=max-message-size:262144\r\na=sendonly\r\n";
        SessionDescription sd = SessionDescription.parse(sdp);
        assertEquals("1 2 3", sd.attribute("x-custom").orElseThrow());
        MediaDescription app = sd.media().get(0);
        assertEquals(List.of("webrtc-datachannel"), app.formats());
        assertEquals(List.of(), app.codecs());
        assertEquals("5000", app.attribute("sctp-port").orElseThrow());
        assertEquals(Direction.SENDONLY, app.direction());
        assertEquals(List.of(), sd.bundleMids());
    }

    @Test
    void mediaLevelValuesWinOverSessionLevel() {
        String sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-ufrag:sess\r\na=ice-pwd:sesspwd\r\n"
                + "a=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\na=inactive\r\n"
                + "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=ice-ufrag:med\r\na=setup:passive\r\n"
                + "m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=recvonly\r\n";
        SessionDescription sd = SessionDescription.parse(sdp);
        MediaDescription a = sd.media().get(0);
        MediaDescription v = sd.media().get(1);
        assertEquals("med", sd.iceUfrag(a));
        assertEquals("sesspwd", sd.icePwd(a));
        assertEquals("sha-256 AA:BB", sd.fingerprint(a));
        assertEquals("passive", sd.setup(a));
        assertEquals("actpass", sd.setup(v));
        assertEquals(Direction.INACTIVE, sd.direction(a), "session-level direction applies");
        assertEquals(Direction.RECVONLY, sd.direction(v));
        assertTrue(v.isRejected());
        assertEquals(List.of(new RtpCodec(0, "PCMU", 8000)), a.codecs(), "static payload type without rtpmap");
        assertEquals(List.of(), v.codecs(), "dynamic payload type without rtpmap is not a codec");
    }

    @Test
    void buildAnAnswerFromChromiumOfferWithCopyMethods() {
        SessionDescription offer = SessionDescription.parse(resource(OFFER_AV));
        MediaDescription offeredVideo = offer.media().get(1);
        RtpCodec vp8 = offeredVideo.codec(96).orElseThrow();
        RtpCodec rtx = offeredVideo.codec(97).orElseThrow();
        MediaDescription video = new MediaDescription("video", 9, "UDP/TLS/RTP/SAVPF", List.of(), "IN IP4 0.0.0.0", List.of(
                new Attribute("ice-ufrag", "sfuU"), new Attribute("mid", "x"), Attribute.flag("rtcp-mux")))
                .withMid(offeredVideo.mid())
                .withDirection(offeredVideo.direction().reverse())
                .withDirection(Direction.RECVONLY)
                .withCodecs(List.of(vp8.withRtcpFeedback(List.of("nack", "nack pli")), rtx))
                .withExtmaps(List.of(new Extmap(4, "urn:ietf:params:rtp-hdrext:sdes:mid")));
        SessionDescription answer = new SessionDescription("- 1 1 IN IP4 127.0.0.1", "", List.of(), List.of(video))
                .withBundle(List.of("1"));
        String expected = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 1\r\n"
                + "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\n"
                + "a=ice-ufrag:sfuU\r\na=mid:1\r\na=rtcp-mux\r\na=recvonly\r\n"
                + "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
                + "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
                + "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n";
        assertEquals(expected, answer.toSdp());
        assertEquals(answer, SessionDescription.parse(answer.toSdp()));
        assertEquals(List.of(vp8.withRtcpFeedback(List.of("nack", "nack pli")), rtx), answer.media().get(0).codecs());
    }

    @Test
    void valueTypesAreImmutableAndRefuseLineInjection() {
        SessionDescription sd = SessionDescription.parse(resource(ANSWER));
        assertThrows(UnsupportedOperationException.class, () -> sd.media().clear());
        assertThrows(UnsupportedOperationException.class, () -> sd.media().get(0).attributes().clear());
        assertThrows(UnsupportedOperationException.class, () -> sd.media().get(0).codecs().get(0).fmtp().clear());
        assertThrows(IllegalArgumentException.class, () -> new Attribute("mid", "0\r\na=evil"));
        assertThrows(IllegalArgumentException.class, () -> new Attribute("", "x"));
        assertThrows(IllegalArgumentException.class, () -> new RtpCodec(128, "VP8", 90000));
    }

    @Test
    void direction() {
        assertEquals(Direction.RECVONLY, Direction.SENDONLY.reverse());
        assertEquals(Direction.SENDONLY, Direction.RECVONLY.reverse());
        assertEquals(Direction.SENDRECV, Direction.SENDRECV.reverse());
        assertEquals(Direction.INACTIVE, Direction.INACTIVE.reverse());
        assertEquals(Direction.INACTIVE, Direction.parse("inactive"));
        assertEquals("sendonly", Direction.SENDONLY.sdpName());
        assertThrows(IllegalArgumentException.class, () -> Direction.parse("sendrec"));
    }

    static final String HEAD = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";

    static Stream<Arguments> garbage() {
        return Stream.of(
                Arguments.of("empty", "", "expected v=0"),
                Arguments.of("blank lines only", "\r\n \r\n", "expected v=0"),
                Arguments.of("not sdp", "hello world", "not a <type>=<value> line"),
                Arguments.of("json", "{\"type\":\"offer\",\"sdp\":\"v=0\"}", "not a <type>=<value> line"),
                Arguments.of("missing v=0", "o=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n", "must start with v=0"),
                Arguments.of("v=1", "v=1\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n", "must start with v=0"),
                Arguments.of("two v=", HEAD + "v=0\r\n", "second v="),
                Arguments.of("missing o=", "v=0\r\ns=-\r\n", "missing o="),
                Arguments.of("missing s=", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n", "missing s="),
                Arguments.of("m-line before session", "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", "before the session-level"),
                Arguments.of("non-numeric port", HEAD + "m=audio nine UDP/TLS/RTP/SAVPF 111\r\n", "port is not a number"),
                Arguments.of("negative port", HEAD + "m=audio -9 UDP/TLS/RTP/SAVPF 111\r\n", "port is not a number"),
                Arguments.of("port too large", HEAD + "m=audio 65536 UDP/TLS/RTP/SAVPF 111\r\n", "port is not a number"),
                Arguments.of("huge port", HEAD + "m=audio 99999999999999999999999 RTP/AVP 0\r\n", "port is not a number"),
                Arguments.of("short m-line", HEAD + "m=audio 9\r\n", "m= line needs"),
                Arguments.of("empty a=", HEAD + "a=\r\n", "without attribute name"),
                Arguments.of("a=:value", HEAD + "a=:x\r\n", "without attribute name"),
                Arguments.of("space in attribute name", HEAD + "a=foo bar\r\n", "bad attribute"),
                Arguments.of("two-letter type", HEAD + "ab=c\r\n", "not a <type>=<value> line"),
                Arguments.of("digit type", HEAD + "1=c\r\n", "not a <type>=<value> line"),
                Arguments.of("o= in media", HEAD + "m=audio 9 RTP/AVP 0\r\no=- 2 2 IN IP4 0.0.0.0\r\n", "o= only allowed once"),
                Arguments.of("binary", "v=0\r\n\u0000\u0001\u0002", "not a <type>=<value> line"),
                Arguments.of("NUL in value", HEAD + "a=mid:0\u0000x\r\n", "control character 0x0"),
                Arguments.of("lone CR inside a line", HEAD + "m=audio 9 RTP/AVP 0\rc=IN IP4 0.0.0.0\r\n", "control character 0xd"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("garbage")
    void garbageIsRejectedWithAClearMessage(String name, String input, String messagePart) {
        SdpParseException e = assertThrows(SdpParseException.class, () -> SessionDescription.parse(input));
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
        assertTrue(e instanceof IllegalArgumentException);
    }

    @Test
    void nullIsRejected() {
        assertThrows(SdpParseException.class, () -> SessionDescription.parse(null));
    }

    @Test
    void hugeInputIsRejectedBeforeParsing() {
        String big = resource(OFFER_AV) + "a=x:" + "y".repeat(SessionDescription.MAX_LENGTH) + "\r\n";
        SdpParseException e = assertThrows(SdpParseException.class, () -> SessionDescription.parse(big));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
    }

    @Test
    void atMost64MediaSections() {
        StringBuilder sb = new StringBuilder(HEAD);
        for (int i = 0; i < 64; i++) {
            sb.append("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:").append(i).append("\r\n");
        }
        assertEquals(64, SessionDescription.parse(sb.toString()).media().size());
        sb.append("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n");
        SdpParseException e = assertThrows(SdpParseException.class, () -> SessionDescription.parse(sb.toString()));
        assertTrue(e.getMessage().contains("more than 64"), e.getMessage());
    }

    @Test
    void malformedAttributeValuesAreSkippedByTypedViews() {
        String sdp = HEAD + "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 abc\r\n"
                + "a=rtpmap:96 VP8\r\na=rtpmap:97 VP9/notanumber\r\na=rtpmap:98 H264/90000/x/y\r\na=rtpmap:999 X/1\r\n"
                + "a=fmtp:96\r\na=rtcp-fb:96\r\na=extmap:0 urn:x\r\na=extmap:abc urn:x\r\na=extmap:5\r\n"
                + "a=ssrc:notanumber cname:x\r\na=ssrc:99999999999 cname:x\r\na=ssrc-group:FID 1 x\r\na=ssrc-group\r\n";
        MediaDescription m = SessionDescription.parse(sdp).media().get(0);
        assertEquals(List.of(), m.codecs());
        assertEquals(List.of(), m.extmaps());
        assertEquals(Map.of(), m.ssrcAttributes());
        assertEquals(List.of(), m.ssrcGroups());
    }

    @Test
    void hostileInputNeverEscapesAsAnotherException() {
        Random random = new Random(42);
        String base = resource(OFFER_AV);
        char[] alphabet = "v=0omsactb:/ \r\n\t1234567890-;*\u0000\u00ff\u2028".toCharArray();
        for (int i = 0; i < 3000; i++) {
            char[] chars = base.toCharArray();
            int mutations = 1 + random.nextInt(20);
            for (int k = 0; k < mutations; k++) {
                chars[random.nextInt(chars.length)] = alphabet[random.nextInt(alphabet.length)];
            }
            String input = new String(chars, 0, random.nextInt(chars.length + 1));
            try {
                SessionDescription sd = SessionDescription.parse(input);
                for (MediaDescription m : sd.media()) {
                    m.codecs();
                    m.extmaps();
                    m.ssrcAttributes();
                    m.ssrcGroups();
                    sd.iceUfrag(m);
                }
                sd.bundleMids();
                assertEquals(sd, SessionDescription.parse(sd.toSdp()));
            } catch (SdpParseException expected) {
                // fine: clear rejection
            }
        }
    }
}
