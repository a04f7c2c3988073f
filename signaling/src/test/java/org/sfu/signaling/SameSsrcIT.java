package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two participants that send under the same SSRCs, by chance or on purpose (the server's offers show everyone's
 * SSRCs): in Chromium, their pages rewrite every SSRC of their own descriptions to the same fixed numbers before
 * using them. Every receiver still gets two streams of its own and decodes both, and a newcomer's keyframe requests
 * reach each of the two senders (RFC 3550 §8: an SSRC names a stream within one session, and the server is a session
 * of its own with each participant).
 */
class SameSsrcIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    /**
     * Rewrites the SSRCs of every local description the page creates to 1001, 1002, ... (SSRC groups first, then
     * the other a=ssrc lines), so that two pages send under the same numbers. Run before the page's scripts.
     */
    private static final String SAME_SSRCS = """
            (() => {
              const mapped = new Map();
              const munged = new Set();
              // Later descriptions repeat the numbers Chromium now sends under: those stay as they are.
              const one = n => {
                if (munged.has(n)) return n;
                if (!mapped.has(n)) {
                  mapped.set(n, String(1001 + mapped.size));
                  munged.add(mapped.get(n));
                }
                return mapped.get(n);
              };
              const munge = sdp => sdp
                  .replace(/(a=ssrc-group:[A-Z]+ )([0-9 ]+)/g,
                      (line, head, numbers) => head + numbers.trim().split(' ').map(one).join(' '))
                  .replace(/(a=ssrc:)([0-9]+)/g, (line, head, n) => head + one(n));
              for (const name of ['createOffer', 'createAnswer']) {
                const original = RTCPeerConnection.prototype[name];
                RTCPeerConnection.prototype[name] = async function (...args) {
                  const d = await original.apply(this, args);
                  return { type: d.type, sdp: munge(d.sdp) };
                };
              }
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

    private HeadlessChromium join(boolean sameSsrcs) throws Exception {
        return sameSsrcs ? pages.open("same", SAME_SSRCS) : pages.open("same");
    }

    private static String id(HeadlessChromium b) {
        return ChromiumPages.clientId(b, DEADLINE);
    }

    private static Map<String, Object> awaitDecoding(HeadlessChromium b, List<String> from, long frames) {
        return b.awaitStats(DEADLINE, "video from " + from, s -> {
            Map<String, Long> video = HeadlessChromium.perParticipant(s, "inboundVideo");
            return from.stream().allMatch(id -> video.getOrDefault(id, 0L) >= frames);
        });
    }

    @Test
    void twoSendersWithTheSameSsrcsAreTwoStreamsToEveryReceiver() throws Exception {
        HeadlessChromium a = join(true);
        HeadlessChromium b = join(true);
        HeadlessChromium c = join(false);
        String ida = id(a);
        String idb = id(b);
        String idc = id(c);

        Map<String, Object> cs = awaitDecoding(c, List.of(ida, idb), 30);
        Map<String, Object> as = awaitDecoding(a, List.of(idb, idc), 30);
        Map<String, Object> bs = awaitDecoding(b, List.of(ida, idc), 30);
        // The munging took: both send their video under the same SSRC.
        long aVideoSsrc = HeadlessChromium.number(as, "videoSsrcSent");
        assertTrue(aVideoSsrc > 1000 && aVideoSsrc < 1010, "a sends under a rewritten SSRC: " + as);
        assertEquals(aVideoSsrc, HeadlessChromium.number(bs, "videoSsrcSent"), "and b under the same: " + bs);
        assertEquals(2, HeadlessChromium.number(cs, "videoTracks"), "c receives two video streams: " + cs);

        // A newcomer needs a keyframe from each sender: its requests reach both a and b, not one of them twice.
        long aPlis = HeadlessChromium.number(as, "videoPliReceived");
        long bPlis = HeadlessChromium.number(bs, "videoPliReceived");
        HeadlessChromium d = join(false);
        String idd = id(d);
        Map<String, Object> ds = awaitDecoding(d, List.of(ida, idb, idc), 10);
        for (Object delay : (List<?>) ds.get("firstFrameDelays")) {
            assertTrue(((Number) delay).longValue() < 3000, "the newcomer's first frames: " + ds);
        }
        Map<String, Object> aAfter = a.awaitStats(DEADLINE, "a keyframe request for a",
                s -> HeadlessChromium.number(s, "videoPliReceived") > aPlis);
        Map<String, Object> bAfter = b.awaitStats(DEADLINE, "a keyframe request for b",
                s -> HeadlessChromium.number(s, "videoPliReceived") > bPlis);
        assertTrue(HeadlessChromium.number(aAfter, "videoPliReceived") > aPlis
                && HeadlessChromium.number(bAfter, "videoPliReceived") > bPlis);
        awaitDecoding(a, List.of(idd), 10);
    }
}
