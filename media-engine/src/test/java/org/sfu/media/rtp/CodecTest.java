package org.sfu.media.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CodecTest {
    @Test
    void encodingNamesResolveCaseInsensitivelyAndUnknownOnesToOther() {
        assertEquals(Codec.VP8, Codec.of("VP8"));
        assertEquals(Codec.VP8, Codec.of("vp8"), "RFC 4855 §3: encoding names are case-insensitive");
        assertEquals(Codec.H264, Codec.of("H264"));
        assertEquals(Codec.OPUS, Codec.of("opus"));
        assertEquals(Codec.RTX, Codec.of("rtx"));
        assertEquals(Codec.RED, Codec.of("red"), "RFC 2198 redundant audio");
        assertEquals(Codec.OTHER, Codec.of("ulpfec"));
        assertEquals(Codec.OTHER, Codec.of("other"), "OTHER is no encoding name of its own");
        assertEquals(Codec.OTHER, Codec.of(null));
    }

    @Test
    void onlyAudioAndVideoAreMediaKindsTheServerForwards() {
        assertEquals(MediaKind.AUDIO, MediaKind.fromSdp("audio"));
        assertEquals("video", MediaKind.fromSdp("video").sdpName());
        assertThrows(IllegalArgumentException.class, () -> MediaKind.fromSdp("application"));
    }
}
