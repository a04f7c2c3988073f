package org.sfu.media.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Opus packets laid out as Chromium sends them for the captured offer
 * (chromium-offer-audio-video.sdp: opus PT 111 on SSRC 1539445745 = 0x5bc213f1, extmap
 * ssrc-audio-level id 1, abs-send-time id 2, transport-cc id 3, mid id 4). The bytes are
 * assembled by hand in that layout (on the wire they are SRTP-protected), not taken from a
 * capture.
 */
class AudioLevelTest {
    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    // V=2 X=1 | PT 111 | seq 0x04d2 | ts 0x0001e240 | SSRC 0x5bc213f1
    // BEDE len 3: [id1 L=0] V=1 level 38 (0xa6), [id2 L=2] abs-send-time,
    // [id3 L=1] transport-cc seq 5, [id4 L=0] mid '0', 1 padding byte
    // payload: Opus TOC 0x78 (config 15, hybrid FB 20 ms, mono) + frame bytes
    static final String OPUS_SPEECH =
            "906f 04d2 0001e240 5bc213f1"
            + "bede 0003 10a6 22123456 310005 4030 00"
            + "78 0bf1 a2c3";

    static Stream<Arguments> packets() {
        return Stream.of(
                Arguments.of("one-byte form, speech at -38 dBov with V=1",
                        OPUS_SPEECH, 0, 1, 38, true),
                Arguments.of("one-byte form, muted: -127 dBov with V=0",
                        "906f 04d3 0001e3d0 5bc213f1 bede 0003 107f 22123456 310006 4030 00 78 0bf1",
                        0, 1, 127, false),
                Arguments.of("one-byte form, 0 dBov (clipping) without voice",
                        "906f 04d4 0001e560 5bc213f1 bede 0001 1000 0000 78",
                        0, 1, 0, false),
                Arguments.of("audio level alone after mid stops being sent",
                        "906f 04d5 0001e6f0 5bc213f1 bede 0001 10a6 0000 780bf1",
                        0, 1, 38, true),
                Arguments.of("packet in the middle of a receive buffer",
                        "deadbeef" + OPUS_SPEECH, 4, 1, 38, true),
                Arguments.of("with one CSRC before the extension",
                        "916f 04d2 0001e240 5bc213f1 11223344 bede 0001 10d4 0000 78",
                        0, 1, 84, true),
                Arguments.of("other id asked: the element is absent",
                        OPUS_SPEECH, 0, 5, -1, false),
                Arguments.of("the id is another extension of the wrong size (abs-send-time)",
                        OPUS_SPEECH, 0, 2, -1, false),
                Arguments.of("no header extension (X=0)",
                        "806f 04d2 0001e240 5bc213f1 78 0bf1 a2c3", 0, 1, -1, false),
                // RFC 6464 §3: exactly one byte; here len field 1 = two data bytes
                Arguments.of("one-byte form with two data bytes is malformed",
                        "906f 04d2 0001e240 5bc213f1 bede 0001 11a6 0000 78", 0, 1, -1, false),
                // RFC 8285 §4.2: id 15 reserved, processing stops before the level
                Arguments.of("one-byte form, id 15 before the level stops the walk",
                        "906f 04d2 0001e240 5bc213f1 bede 0001 f010 a600 78", 0, 1, -1, false),
                Arguments.of("extension length runs past the packet",
                        "906f 04d2 0001e240 5bc213f1 bede 0004 10a6 0000", 0, 1, -1, false),
                Arguments.of("not an RFC 8285 profile",
                        "906f 04d2 0001e240 5bc213f1 abac 0001 10a6 0000 78", 0, 1, -1, false),
                Arguments.of("id 0 is never an element",
                        OPUS_SPEECH, 0, 0, -1, false),
                // Two-byte form (RFC 8285 §4.3), as Chromium switches to with extmap-allow-mixed
                // when an element needs it: [id1 len1] V=1 level 38, [id3 len2] 0005, padding
                Arguments.of("two-byte form, speech at -38 dBov",
                        "906f 04d2 0001e240 5bc213f1 1000 0002 0101a6 03020005 00 78 0bf1",
                        0, 1, 38, true),
                Arguments.of("two-byte form, appbits set, id above 14, silence",
                        "906f 04d2 0001e240 5bc213f1 100f 0001 14017f 00 78", 0, 20, 127, false),
                Arguments.of("two-byte form with zero-length element is malformed",
                        "906f 04d2 0001e240 5bc213f1 1000 0001 0100 0000 78", 0, 1, -1, false),
                Arguments.of("two-byte form with two data bytes is malformed",
                        "906f 04d2 0001e240 5bc213f1 1000 0001 0102a600 78", 0, 1, -1, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("packets")
    void levelAndVoiceActivity(String name, String packet, int off, int id, int level, boolean voice) {
        byte[] p = hex(packet);
        int len = p.length - off;
        assertEquals(level, AudioLevel.level(p, off, len, id), name);
        assertEquals(voice, AudioLevel.voiceActivity(p, off, len, id), name);
    }

    @Test
    void truncatedOrMissingBuffersAreNotRead() {
        byte[] p = hex(OPUS_SPEECH);
        assertEquals(-1, AudioLevel.level(p, 0, 15, 1), "cut inside the extension header");
        assertEquals(-1, AudioLevel.level(p, 0, p.length + 1, 1), "len beyond the buffer");
        assertEquals(-1, AudioLevel.level(null, 0, 0, 1));
        assertFalse(AudioLevel.voiceActivity(p, 0, 15, 1));
    }

    @Test
    void readsWithoutChangingThePacket() {
        byte[] p = hex(OPUS_SPEECH);
        byte[] before = p.clone();
        assertTrue(AudioLevel.voiceActivity(p, 0, p.length, 1));
        assertEquals(38, AudioLevel.level(p, 0, p.length, 1));
        assertEquals(HexFormat.of().formatHex(before), HexFormat.of().formatHex(p));
    }
}
