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
 * Two Chromium peers that only speak H.264 constrained baseline, and write it differently: one as Chromium does
 * ({@code 42e01f}, level 3.1), the other as iOS and Android hardware encoders do, with another constraint-flag spelling
 * and a higher level ({@code 42c034}, level 5.2). Both are the same profile (RFC 6184 §8.1, ITU-T H.264 §A.2) and, with
 * level-asymmetry-allowed (§8.2.2), each side's level is only what it can receive: the server must forward each one's
 * video to the other, in the other's payload type, and both must decode it.
 */
class H264LevelsIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    /**
     * Leaves only H.264 with packetization-mode 1 and Chromium's constrained baseline (and its RTX) on every video
     * m-line of the page's own descriptions, written as {@code %s}. Run before the page's scripts.
     */
    private static final String H264_ONLY = """
            (() => {
              const spelling = '%s';
              const videoSection = section => {
                const lines = section.split('\\r\\n');
                const rtpmap = {}, fmtp = {};
                for (const l of lines) {
                  let m = l.match(/^a=rtpmap:(\\d+) ([^/]+)/);
                  if (m) rtpmap[m[1]] = m[2];
                  m = l.match(/^a=fmtp:(\\d+) (.*)/);
                  if (m) fmtp[m[1]] = m[2];
                }
                const keep = new Set(Object.keys(rtpmap).filter(pt => rtpmap[pt].toUpperCase() === 'H264'
                    && /packetization-mode=1/.test(fmtp[pt] || '')
                    && /profile-level-id=(42e01f|42c034)/i.test(fmtp[pt] || '')));
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
                    : l.replace(/profile-level-id=(42e01f|42c034)/i, 'profile-level-id=' + spelling)).join('\\r\\n');
              };
              const munge = sdp => sdp.split(/(?=\\r\\nm=)/)
                  .map(s => s.startsWith('\\r\\nm=video') ? videoSection(s) : s).join('');
              for (const name of ['createOffer', 'createAnswer']) {
                const original = RTCPeerConnection.prototype[name];
                RTCPeerConnection.prototype[name] = async function (...args) {
                  const d = await original.apply(this, args);
                  return { type: d.type, sdp: munge(d.sdp) };
                };
              }
            })();
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

    private SfuServer server;
    private final List<HeadlessChromium> browsers = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        server = SfuServer.start(LoopbackServer.config());
    }

    @AfterEach
    void stop() {
        browsers.forEach(HeadlessChromium::close);
        if (server != null) {
            server.close();
        }
    }

    private HeadlessChromium join(String profileLevelId) throws Exception {
        HeadlessChromium b = new HeadlessChromium();
        browsers.add(b);
        b.beforeEveryPage(H264_ONLY.formatted(profileLevelId));
        b.open("https://localhost:" + server.httpPort() + "/?room=h264");
        return b;
    }

    private static String id(HeadlessChromium b) {
        return (String) b.awaitStats(DEADLINE, "a client id", s -> s.get("clientId") != null).get("clientId");
    }

    @Test
    void constrainedBaselineAtTwoLevelsAndTwoSpellingsDecodesBothWays() throws Exception {
        HeadlessChromium chromium = join("42e01f");
        HeadlessChromium mobile = join("42c034");
        String chromiumId = id(chromium);
        String mobileId = id(mobile);

        Map<String, Object> atChromium = chromium.awaitStats(DEADLINE, "video from the mobile-style peer",
                s -> HeadlessChromium.perParticipant(s, "inboundVideo").getOrDefault(mobileId, 0L) >= 30);
        Map<String, Object> atMobile = mobile.awaitStats(DEADLINE, "video from the Chromium-style peer",
                s -> HeadlessChromium.perParticipant(s, "inboundVideo").getOrDefault(chromiumId, 0L) >= 30);

        // It was H.264 each way, each side receiving under its own spelling of the profile.
        Map<?, ?> chromiumCodecs = (Map<?, ?>) chromium.run(CODECS);
        Map<?, ?> mobileCodecs = (Map<?, ?>) mobile.run(CODECS);
        String seen = "chromium " + chromiumCodecs + ", mobile " + mobileCodecs + "; " + atChromium + " " + atMobile;
        assertEquals(1, ((List<?>) chromiumCodecs.get("received")).size(), seen);
        assertEquals(1, ((List<?>) mobileCodecs.get("received")).size(), seen);
        String intoChromium = (String) ((List<?>) chromiumCodecs.get("received")).get(0);
        String intoMobile = (String) ((List<?>) mobileCodecs.get("received")).get(0);
        assertTrue(intoChromium.startsWith("video/H264") && intoChromium.contains("profile-level-id=42e01f"), seen);
        assertTrue(intoMobile.startsWith("video/H264") && intoMobile.contains("profile-level-id=42c034"), seen);
        for (Object sent : (List<?>) chromiumCodecs.get("sent")) {
            assertTrue(((String) sent).startsWith("video/H264"), seen);
        }
        for (Object sent : (List<?>) mobileCodecs.get("sent")) {
            assertTrue(((String) sent).startsWith("video/H264"), seen);
        }
    }
}
