package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sfu.media.router.Consumer;
import org.sfu.media.router.Peer;

/**
 * Chromium peers restricted to one video codec other than VP8 (their pages rewrite their own descriptions before using
 * them, as a mobile app that prefers a codec does), through the server, decoding each other.
 */
class VideoCodecsIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    /**
     * Leaves only one codec (and its RTX) on every video m-line of the page's own descriptions: the payload types whose
     * encoding name is the first argument and whose fmtp matches the second (a regular expression); the third and
     * fourth rewrite that fmtp. A section rewrite for {@link ChromiumPages#rewritingSections}.
     */
    private static final String ONE_CODEC = """
            section => {
              const [codec, wanted, from, to] = [%s, %s, %s, %s];
              const lines = section.split('\\r\\n');
              const rtpmap = {}, fmtp = {};
              for (const l of lines) {
                let m = l.match(/^a=rtpmap:(\\d+) ([^/]+)/);
                if (m) rtpmap[m[1]] = m[2];
                m = l.match(/^a=fmtp:(\\d+) (.*)/);
                if (m) fmtp[m[1]] = m[2];
              }
              const keep = new Set(Object.keys(rtpmap).filter(pt => rtpmap[pt].toUpperCase() === codec
                  && new RegExp(wanted, 'i').test(fmtp[pt] || '')));
              if (keep.size === 0) return section;
              for (const pt of Object.keys(rtpmap)) {
                const apt = (fmtp[pt] || '').match(/apt=(\\d+)/);
                if (rtpmap[pt] === 'rtx' && apt && keep.has(apt[1])) keep.add(pt);
              }
              return lines.filter(l => {
                const m = l.match(/^a=(rtpmap|fmtp|rtcp-fb):(\\d+)/);
                return !m || keep.has(m[2]);
              }).map(l => l.startsWith('m=video')
                  ? l.split(' ').filter((f, i) => i < 3 || keep.has(f)).join(' ')
                  : l.replace(new RegExp(from, 'i'), to)).join('\\r\\n');
            }
            """;

    /** The codec of each received video stream and of the sent one, as the page negotiated them. */
    private static final String CODECS = """
            return (async () => {
              const stats = await window.sfu.pc.getStats();
              const codecs = { received: [], sent: [] };
              stats.forEach(s => {
                if (s.type === 'inbound-rtp' && s.kind === 'video' && s.codecId && s.framesDecoded > 0) {
                  const c = stats.get(s.codecId);
                  codecs.received.push(c.mimeType + ' ' + c.payloadType + ' ' + (c.sdpFmtpLine || ''));
                }
                if (s.type === 'outbound-rtp' && s.kind === 'video' && s.codecId) {
                  const c = stats.get(s.codecId);
                  codecs.sent.push(c.mimeType + ' ' + (c.sdpFmtpLine || ''));
                }
              });
              return codecs;
            })();
            """;

    private ChromiumPages pages;

    @BeforeEach
    void startServer() throws Exception {
        pages = new ChromiumPages();
    }

    @AfterEach
    void stop() {
        pages.close();
    }

    /** A participant whose page only uses {@code codec} (encoding name), as {@link #ONE_CODEC} describes. */
    private HeadlessChromium join(String room, String codec, String wantedFmtp, String from, String to)
            throws Exception {
        String oneCodec = ONE_CODEC.formatted(js(codec), js(wantedFmtp), js(from), js(to));
        return pages.open(room, ChromiumPages.rewritingSections("video", oneCodec));
    }

    /** A JavaScript string literal. */
    private static String js(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static String id(HeadlessChromium b) {
        return ChromiumPages.clientId(b, DEADLINE);
    }

    /**
     * Both decode at least 30 frames of the other's video, which was sent and received in {@code codec}; returns what
     * each received, as "mimeType payloadType fmtp".
     */
    private static List<String> decodeEachOther(HeadlessChromium a, HeadlessChromium b, String codec) {
        String aId = id(a);
        String bId = id(b);
        Map<String, Object> atA = a.awaitStats(DEADLINE, "video from the other peer",
                s -> HeadlessChromium.perParticipant(s, "inboundVideo").getOrDefault(bId, 0L) >= 30);
        Map<String, Object> atB = b.awaitStats(DEADLINE, "video from the other peer",
                s -> HeadlessChromium.perParticipant(s, "inboundVideo").getOrDefault(aId, 0L) >= 30);
        Map<?, ?> aCodecs = (Map<?, ?>) a.run(CODECS);
        Map<?, ?> bCodecs = (Map<?, ?>) b.run(CODECS);
        String seen = "a " + aCodecs + ", b " + bCodecs + "; " + atA + " " + atB;
        List<String> received = new ArrayList<>();
        for (Map<?, ?> codecs : List.of(aCodecs, bCodecs)) {
            assertEquals(1, ((List<?>) codecs.get("received")).size(), seen);
            received.add((String) ((List<?>) codecs.get("received")).get(0));
            assertFalse(((List<?>) codecs.get("sent")).isEmpty(), seen);
            for (Object sent : (List<?>) codecs.get("sent")) {
                assertTrue(((String) sent).startsWith("video/" + codec + " "), seen);
            }
        }
        for (String r : received) {
            assertTrue(r.startsWith("video/" + codec + " "), seen);
        }
        return received;
    }

    /**
     * The server recognised a keyframe in this codec's payload on each video stream it forwards in the room: until
     * it does, it keeps asking the sender for one (KeyframeRetries) and cannot tell when a receiver can decode.
     */
    private void awaitKeyframesSeen(String room) throws InterruptedException {
        Poll.until(DEADLINE, () -> {
            List<Consumer> video = new ArrayList<>();
            for (Peer p : pages.server().media().existingRouter(room).peers()) {
                p.consumers().stream().filter(c -> !c.producer().isAudio()).forEach(video::add);
            }
            return video.size() == 2 && video.stream().noneMatch(Consumer::awaitingKeyframe);
        });
    }

    /**
     * H.264 constrained baseline written two ways: as Chromium does ({@code 42e01f}, level 3.1), and as iOS and
     * Android hardware encoders do, with another constraint-flag spelling and a higher level ({@code 42c034}, level
     * 5.2). Both are the same profile (RFC 6184 §8.1, ITU-T H.264 §A.2) and, with level-asymmetry-allowed (§8.2.2),
     * each side's level is only what it can receive: each receives the other's video in its own payload type.
     */
    @Test
    void h264ConstrainedBaselineAtTwoLevelsAndTwoSpellingsDecodesBothWays() throws Exception {
        // Chromium writes level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f.
        String chromiumBaseline = "packetization-mode=1;profile-level-id=42e01f";
        HeadlessChromium chromium = join("h264", "H264", chromiumBaseline, "(?!)", "");
        HeadlessChromium mobile = join("h264", "H264", chromiumBaseline + "|profile-level-id=42c034",
                "profile-level-id=42e01f", "profile-level-id=42c034");

        List<String> received = decodeEachOther(chromium, mobile, "H264");
        awaitKeyframesSeen("h264");

        assertTrue(received.get(0).contains("profile-level-id=42e01f"), "chromium's own spelling: " + received);
        assertTrue(received.get(1).contains("profile-level-id=42c034"), "the mobile peer's own: " + received);
    }

    /** VP9 profile 0 (RFC 9628) and AV1 profile 0 (AOMedia's RTP format), as a client that prefers one sends it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"VP9, profile-id=0", "AV1, profile=0"})
    void aCodecOtherThanVp8DecodesBothWays(String codec, String profileZero) throws Exception {
        String room = codec.toLowerCase(java.util.Locale.ROOT);
        HeadlessChromium a = join(room, codec, profileZero, "(?!)", "");
        HeadlessChromium b = join(room, codec, profileZero, "(?!)", "");

        decodeEachOther(a, b, codec);
        awaitKeyframesSeen(room);
    }
}
