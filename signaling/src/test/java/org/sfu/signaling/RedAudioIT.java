package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sfu.media.router.Consumer;
import org.sfu.media.router.Peer;
import org.sfu.media.router.Producer;
import org.sfu.media.router.Router;

/**
 * Opus with RFC 2198 redundancy between Chromium pages: two pages that prefer RED (their own descriptions list red
 * ahead of opus, as an app does with setCodecPreferences) send it and receive each other's RED; a third page whose
 * descriptions have no red at all still receives their audio, as plain Opus made of the primary blocks, and decodes it.
 */
class RedAudioIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String ROOM = "red";

    /**
     * Rewrites an audio m-line section of the page's own descriptions ({@link ChromiumPages#rewritingSections}):
     * {@code 'first'} moves RED ahead of the other formats (libwebrtc then sends RED to a peer that answers or offers
     * it first too); {@code 'none'} removes RED, as a client without it would write them.
     */
    private static final String RED_MUNGING = """
            section => {
              const mode = %s;
              const lines = section.split('\\r\\n');
              const red = new Set();
              for (const l of lines) {
                const m = l.match(/^a=rtpmap:(\\d+) red\\//i);
                if (m) red.add(m[1]);
              }
              if (red.size === 0) return section;
              return lines.filter(l => {
                const m = l.match(/^a=(rtpmap|fmtp|rtcp-fb):(\\d+)/);
                return mode !== 'none' || !m || !red.has(m[2]);
              }).map(l => {
                if (!l.startsWith('m=audio')) return l;
                const parts = l.split(' ');
                const head = parts.slice(0, 3);
                const formats = parts.slice(3);
                const kept = formats.filter(f => !red.has(f));
                return head.concat(mode === 'none' ? kept : formats.filter(f => red.has(f)).concat(kept)).join(' ');
              }).join('\\r\\n');
            }
            """;

    /**
     * Per mid of a received audio stream: the codec Chromium reports for it (the decoded one: its RED splitter hands
     * the blocks to Opus, so a RED stream reports audio/opus), the codecs its m-line negotiated, packets received and
     * energy decoded.
     */
    private static final String AUDIO_CODECS = """
            return (async () => {
              const stats = await window.sfu.pc.getStats();
              const negotiated = {};
              for (const t of window.sfu.pc.getTransceivers()) {
                if (t.mid !== null) {
                  negotiated[t.mid] = t.receiver.getParameters().codecs.map(c => c.mimeType.toLowerCase());
                }
              }
              const out = {};
              stats.forEach(s => {
                if (s.type === 'inbound-rtp' && s.kind === 'audio') {
                  const c = s.codecId ? stats.get(s.codecId) : null;
                  out[s.mid] = { mimeType: c ? c.mimeType : null, packets: s.packetsReceived || 0,
                                 energy: s.totalAudioEnergy || 0, negotiated: negotiated[s.mid] || [] };
                }
              });
              return out;
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

    private HeadlessChromium join(String red) throws Exception {
        return pages.open(ROOM, ChromiumPages.rewritingSections("audio", RED_MUNGING.formatted("'" + red + "'")));
    }

    /** What {@code page} receives from {@code sender}'s audio: "mimeType", "packets", "energy". */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> audioFrom(HeadlessChromium page, String sender) {
        Map<String, Object> owners = (Map<String, Object>) page.stats().get("midToParticipant");
        Map<String, Object> byMid = (Map<String, Object>) page.run(AUDIO_CODECS);
        for (Map.Entry<String, Object> e : byMid.entrySet()) {
            if (owners != null && sender.equals(owners.get(e.getKey()))) {
                return (Map<String, Object>) e.getValue();
            }
        }
        return Map.of();
    }

    private static long packets(Map<String, Object> received) {
        return received.get("packets") instanceof Number n ? n.longValue() : 0;
    }

    private static double energy(Map<String, Object> received) {
        return received.get("energy") instanceof Number n ? n.doubleValue() : 0;
    }

    private Peer peer(String id) {
        Router router = pages.server().media().existingRouter(ROOM);
        return router == null ? null : router.peers().stream().filter(p -> p.id().equals(id)).findFirst().orElse(null);
    }

    /** The codec name of the latest packet of {@code id}'s audio at the server, or "" before any. */
    private String sentAudioCodec(String id) {
        Peer p = peer(id);
        if (p == null) {
            return "";
        }
        for (Producer producer : p.producers()) {
            if (producer.isAudio()) {
                Producer.Stats s = producer.stats(System.nanoTime());
                return s.codec() == null ? "" : s.codec().name();
            }
        }
        return "";
    }

    /** The consumer that sends {@code senderId}'s audio to {@code receiverId}, or null. */
    private Consumer audioConsumer(String receiverId, String senderId) {
        Peer p = peer(receiverId);
        if (p == null) {
            return null;
        }
        for (Consumer c : p.consumers()) {
            if (c.producer().isAudio() && peer(senderId) != null && peer(senderId).producers().contains(c.producer())) {
                return c;
            }
        }
        return null;
    }

    @Test
    void pagesThatPreferRedExchangeItAndAPageWithoutRedGetsPlainOpusFromThem() throws Exception {
        HeadlessChromium alice = join("first");
        HeadlessChromium bob = join("first");
        HeadlessChromium carol = join("none");
        String aliceId = ChromiumPages.clientId(alice, DEADLINE);
        String bobId = ChromiumPages.clientId(bob, DEADLINE);
        String carolId = ChromiumPages.clientId(carol, DEADLINE);

        // The server's answers kept RED ahead of Opus for alice and bob, so their Chromium sends RED.
        Poll.until(DEADLINE, () -> sentAudioCodec(aliceId).equalsIgnoreCase("red")
                        && sentAudioCodec(bobId).equalsIgnoreCase("red"),
                () -> "alice sends " + sentAudioCodec(aliceId) + ", bob sends " + sentAudioCodec(bobId));
        Poll.until(DEADLINE, () -> sentAudioCodec(carolId).equalsIgnoreCase("opus"),
                () -> "carol sends " + sentAudioCodec(carolId));

        // Alice and bob receive each other's RED, decoded.
        Map<String, Object>[] seen = new Map[2];
        Poll.until(DEADLINE, () -> {
            seen[0] = audioFrom(alice, bobId);
            seen[1] = audioFrom(bob, aliceId);
            return packets(seen[0]) >= 100 && packets(seen[1]) >= 100 && energy(seen[0]) > 0 && energy(seen[1]) > 0;
        }, () -> "alice from bob " + seen[0] + ", bob from alice " + seen[1]);
        for (Map<String, Object> received : seen) {
            assertTrue(((java.util.List<?>) received.get("negotiated")).contains("audio/red"),
                    "RED negotiated on the m-line: " + received);
        }

        // Carol, without RED, receives alice's and bob's audio as plain Opus and decodes it.
        Map<String, Object>[] atCarol = new Map[2];
        Poll.until(DEADLINE, () -> {
            atCarol[0] = audioFrom(carol, aliceId);
            atCarol[1] = audioFrom(carol, bobId);
            return packets(atCarol[0]) >= 100 && packets(atCarol[1]) >= 100
                    && energy(atCarol[0]) > 0 && energy(atCarol[1]) > 0;
        }, () -> "carol from alice " + atCarol[0] + ", from bob " + atCarol[1]);
        for (Map<String, Object> received : atCarol) {
            assertEquals("audio/opus", String.valueOf(received.get("mimeType")).toLowerCase(), "carol: " + received);
            assertTrue(!((java.util.List<?>) received.get("negotiated")).contains("audio/red"),
                    "no RED on carol's m-lines: " + received);
        }
        Map<String, Long> counts = new HashMap<>();
        for (String sender : new String[] {aliceId, bobId}) {
            Consumer toCarol = audioConsumer(carolId, sender);
            assertTrue(toCarol != null, "carol consumes " + sender);
            counts.put(sender, toCarol.redPrimariesSent());
            assertTrue(toCarol.redPrimariesSent() >= 100, "RED packets sent to carol as their primary: " + counts);
            assertEquals(0, toCarol.droppedRedMalformed(), "Chromium's RED is well formed");
        }
        // What alice decoded came as RED: bob sends RED, and her consumer forwarded it whole.
        for (String[] pair : new String[][] {{aliceId, bobId}, {bobId, aliceId}}) {
            Consumer c = audioConsumer(pair[0], pair[1]);
            assertTrue(c != null && c.sent() >= 100 && c.redPrimariesSent() == 0 && c.droppedRedMalformed() == 0,
                    "RED forwarded as it is to " + pair[0]);
        }
    }
}
