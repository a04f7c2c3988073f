package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Multi-party rooms in real Chromium: everyone decodes everyone else, late joiners get keyframes promptly, leaving
 * renegotiates without adding m-lines (and a later joiner reuses them), and rooms do not see each other's media.
 */
class RoomCallIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private SfuServer server;
    private final List<HeadlessChromium> browsers = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        server = SfuServer.start(LoopbackServer.config(1500, 262_144, 4));
    }

    @AfterEach
    void stop() {
        browsers.forEach(HeadlessChromium::close);
        if (server != null) {
            server.close();
        }
    }

    private HeadlessChromium join(String room) throws Exception {
        HeadlessChromium b = new HeadlessChromium();
        browsers.add(b);
        b.open("https://localhost:" + server.httpPort() + "/?room=" + room);
        return b;
    }

    /** Waits until the page decodes video and receives audio from exactly these participants. */
    private static Map<String, Object> awaitDecoding(HeadlessChromium b, List<String> from, long frames) {
        return b.awaitStats(DEADLINE, "video and audio from " + from, s -> {
            Map<String, Long> video = HeadlessChromium.perParticipant(s, "inboundVideo");
            Map<String, Long> audio = HeadlessChromium.perParticipant(s, "inboundAudio");
            for (String id : from) {
                if (video.getOrDefault(id, 0L) < frames || audio.getOrDefault(id, 0L) < 25) {
                    return false;
                }
            }
            return true;
        });
    }

    private static String id(HeadlessChromium b) {
        return (String) b.awaitStats(DEADLINE, "a client id", s -> s.get("clientId") != null).get("clientId");
    }

    @Test
    void everyoneDecodesEveryoneAsPeopleJoinAndLeave() throws Exception {
        HeadlessChromium a = join("r1");
        HeadlessChromium b = join("r1");
        HeadlessChromium c = join("r1");
        String ida = id(a);
        String idb = id(b);
        String idc = id(c);
        awaitDecoding(a, List.of(idb, idc), 30);
        awaitDecoding(b, List.of(ida, idc), 30);
        awaitDecoding(c, List.of(ida, idb), 30);

        // A fourth joins late: the others ask its sender for a keyframe, it asks theirs; all decode within 3 s.
        HeadlessChromium d = join("r1");
        String idd = id(d);
        Map<String, Object> ds = awaitDecoding(d, List.of(ida, idb, idc), 10);
        for (Object delay : (List<?>) ds.get("firstFrameDelays")) {
            assertTrue(((Number) delay).longValue() < 3000, "late joiner's first frames: " + ds);
        }
        awaitDecoding(a, List.of(idb, idc, idd), 10);
        assertEquals(List.of(idb, idc, idd).size(), ((List<?>) a.stats().get("participants")).size());

        // A fifth is refused: the room's limit is 4.
        HeadlessChromium refused = join("r1");
        refused.awaitStats(DEADLINE, "the room-full error",
                s -> String.valueOf(s.get("errors")).contains("room-full"));

        // C leaves: the others are told, keep decoding the rest, and no m-line is added.
        long aTransceivers = HeadlessChromium.number(a.stats(), "transceivers");
        Map<String, Long> before = HeadlessChromium.perParticipant(a.stats(), "inboundVideo");
        browsers.remove(c);
        c.close();
        Map<String, Object> after = a.awaitStats(DEADLINE, "C's departure and more frames from B and D", s -> {
            Map<String, Long> v = HeadlessChromium.perParticipant(s, "inboundVideo");
            return !((List<?>) s.get("participants")).contains(idc)
                    && v.getOrDefault(idb, 0L) > before.get(idb) + 30
                    && v.getOrDefault(idd, 0L) > before.get(idd) + 30;
        });
        assertEquals(aTransceivers, HeadlessChromium.number(after, "transceivers"), "leaving adds no m-line");

        // E joins: A receives E on the m-lines C left behind, so A's session still does not grow.
        browsers.remove(refused);
        refused.close();
        HeadlessChromium e = join("r1");
        String ide = id(e);
        Map<String, Object> withE = awaitDecoding(a, List.of(idb, idd, ide), 10);
        assertEquals(aTransceivers, HeadlessChromium.number(withE, "transceivers"), "E reuses C's m-lines");
        awaitDecoding(e, List.of(ida, idb, idd), 10);
    }

    @Test
    void roomsDoNotSeeEachOther() throws Exception {
        HeadlessChromium x1 = join("x");
        HeadlessChromium x2 = join("x");
        HeadlessChromium y1 = join("y");
        String idx1 = id(x1);
        String idx2 = id(x2);
        awaitDecoding(x1, List.of(idx2), 30);
        awaitDecoding(x2, List.of(idx1), 30);
        Map<String, Object> y = y1.awaitStats(DEADLINE, "y1 connected and sending",
                s -> "connected".equals(s.get("connectionState")));
        assertEquals(0, HeadlessChromium.number(y, "videoTracks"), "nothing from room x reaches room y: " + y);
        assertEquals(0, HeadlessChromium.number(y, "audioTracks"), "nothing from room x reaches room y: " + y);
        assertEquals(List.of(), y.get("participants"));
        assertEquals(2, server.media().routerCount());

        // Each room has its dominant speaker from its own audio levels (RFC 6464): someone in x for x's pages,
        // and never anyone from x for y's.
        for (HeadlessChromium b : List.of(x1, x2)) {
            Map<String, Object> s = b.awaitStats(DEADLINE, "a dominant speaker in room x",
                    st -> st.get("dominantSpeaker") != null);
            assertTrue(List.of(idx1, idx2).contains(s.get("dominantSpeaker")), "x's speaker: " + s);
        }
        String idy1 = id(y1);
        Map<String, Object> ys = y1.awaitStats(DEADLINE, "a dominant speaker in room y",
                st -> st.get("dominantSpeaker") != null);
        assertEquals(idy1, ys.get("dominantSpeaker"), "alone in y, y1 is its own room's speaker");
    }
}
