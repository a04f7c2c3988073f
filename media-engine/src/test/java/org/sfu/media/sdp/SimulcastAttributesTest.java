package org.sfu.media.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** a=rid (RFC 8851) and a=simulcast (RFC 8853) as Chromium writes them, and as malformed peers might. */
class SimulcastAttributesTest {

    private static MediaDescription chromiumVideo() throws Exception {
        try (InputStream in = SimulcastAttributesTest.class.getResourceAsStream("/sdp/chromium-offer-simulcast.sdp")) {
            assertNotNull(in);
            return SessionDescription.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)).media().get(1);
        }
    }

    @Test
    void readsChromiumsThreeSendEncodings() throws Exception {
        MediaDescription video = chromiumVideo();

        assertEquals(List.of(new Rid("q", "send", List.of(), Map.of()), new Rid("h", "send", List.of(), Map.of()),
                new Rid("f", "send", List.of(), Map.of())), video.rids());
        Simulcast simulcast = video.simulcast();
        assertEquals(List.of("q", "h", "f"), simulcast.send().stream().map(s -> s.first().rid()).toList());
        assertTrue(simulcast.recv().isEmpty());
        assertTrue(video.ssrcGroups().isEmpty(), "Chromium names no SSRC for rid-based layers");
    }

    @Test
    void ridParametersAlternativesAndPausedStreams() {
        Rid rid = Rid.parse("hi send pt=96,97;max-width=1280;max-height=720");
        assertEquals(List.of(96, 97), rid.payloadTypes());
        assertEquals(Map.of("max-width", "1280", "max-height", "720"), rid.restrictions());
        assertEquals("hi send pt=96,97;max-width=1280;max-height=720", rid.toAttributeValue());

        Simulcast s = Simulcast.parse("send 1;~2,3 recv 4");
        assertEquals(2, s.send().size());
        assertEquals(new Simulcast.Alternative("2", true), s.send().get(1).first());
        assertEquals("3", s.send().get(1).alternatives().get(1).rid());
        assertEquals("4", s.recv().get(0).first().rid());
        assertEquals("send 1;~2,3 recv 4", s.toAttributeValue());
        assertEquals("recv q;h;f", Simulcast.parse("recv q;h;f").toAttributeValue());
    }

    @Test
    void malformedValuesAreIgnoredNotFatal() {
        for (String bad : List.of("", "q", "q sideways", "q/x send", "0123456789abcdefg send", "q send pt=x",
                "q send pt=300")) {
            assertNull(Rid.parse(bad), bad);
        }
        for (String bad : List.of("", "send", "send q;;f", "send q recv", "sendrecv q", "send q send h", "send ~",
                "send q,", "recv a b c")) {
            assertNull(Simulcast.parse(bad), bad);
        }
        MediaDescription m = new MediaDescription("video", 9, "UDP/TLS/RTP/SAVPF", List.of("96"), null,
                List.of(new Attribute("rid", "bad id send"), new Attribute("simulcast", "nonsense"),
                        new Attribute("simulcast", "send a;b"), new Attribute("rid", "a send")));
        assertEquals(List.of("a"), m.rids().stream().map(Rid::id).toList());
        assertEquals(List.of("a", "b"), m.simulcast().send().stream().map(x -> x.first().rid()).toList());
        assertFalse(m.simulcast().send().get(0).first().paused());
    }
}
