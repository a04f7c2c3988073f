package org.sfu.media.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Given an RTP packet's bytes, does it start a keyframe (RFC 7741 for VP8, RFC 9628 for VP9, RFC 6184 for H.264, the
 * AOMedia RTP payload format for AV1)?
 */
class KeyframesTest {
    /** A 12-byte RTP header (V=2, PT 96, seq 1, ts 0, SSRC 0x11223344) followed by the payload. */
    private static byte[] rtp(String payloadHex) {
        return HexFormat.of().parseHex("80600001" + "00000000" + "11223344" + payloadHex);
    }

    static Stream<Arguments> packets() {
        return Stream.of(
                // VP8: descriptor 0x10 (S=1, PID 0), then the frame tag whose lowest bit is 0 for a key frame
                // (RFC 6386 §9.1: b0 7f 00), then the key frame start code 9d 01 2a.
                Arguments.of("VP8 key frame, short descriptor", "VP8", "10" + "b07f00" + "9d012a", true),
                Arguments.of("VP8 delta frame (P=1)", "VP8", "10" + "310000", false),
                Arguments.of("VP8 continuation packet (S=0)", "VP8", "00" + "b07f00", false),
                // X=1, then I=1 with a 15-bit picture id (M set), as Chromium sends.
                Arguments.of("VP8 key frame with 15-bit picture id", "VP8", "90" + "80" + "8123" + "b07f00" + "9d012a", true),
                Arguments.of("VP8 delta frame with 7-bit picture id", "VP8", "90" + "80" + "23" + "b10000", false),
                // X=1, I, L and T/K: three more descriptor bytes.
                Arguments.of("VP8 key frame with TL0PICIDX and TID", "VP8", "90" + "e0" + "8123" + "05" + "20" + "9c", true),
                Arguments.of("VP8 descriptor cut short", "VP8", "90", false),
                Arguments.of("H264 IDR slice", "H264", "65" + "888400", true),
                Arguments.of("H264 non-IDR slice", "H264", "41" + "9a0000", false),
                // STAP-A: 2-byte size, SPS (0x67...), then 2-byte size, PPS (0x68...).
                Arguments.of("H264 STAP-A with SPS and PPS", "H264", "78" + "0004" + "6742c01f" + "0002" + "68ce", true),
                Arguments.of("H264 STAP-A without a key NAL", "H264", "78" + "0002" + "0605", false),
                // FU-A: indicator 0x7c (type 28), header with S=1 and type 5.
                Arguments.of("H264 first FU-A fragment of an IDR", "H264", "7c" + "85" + "8884", true),
                Arguments.of("H264 middle FU-A fragment of an IDR", "H264", "7c" + "05" + "0000", false),
                // VP9 (RFC 9628 §4.2): I|P|L|F|B|E|V|Z, then a 15-bit picture id, as Chromium sends.
                Arguments.of("VP9 key frame: not predicted, start of frame, with the scalability structure",
                        "VP9", "8e" + "8123" + "18" + "0280" + "01e0", true),
                Arguments.of("VP9 inter frame (P=1)", "VP9", "cc" + "8124" + "00", false),
                Arguments.of("VP9 key frame's later packet (B=0)", "VP9", "84" + "8123" + "00", false),
                // L=1, non-flexible: picture id, then TID|U|SID|D, then TL0PICIDX.
                Arguments.of("VP9 key picture in spatial layer 0", "VP9", "a8" + "8123" + "00" + "07", true),
                Arguments.of("VP9 non-predicted picture of spatial layer 1 is no place to start", "VP9",
                        "a8" + "8123" + "02" + "07", false),
                Arguments.of("VP9 descriptor cut short", "VP9", "a8" + "81", false),
                // AV1: Z|Y|W W|N|-|-|-; N=1 starts a coded video sequence (a key frame), W=1 one OBU element.
                Arguments.of("AV1 start of a coded video sequence", "AV1", "18" + "0a0b", true),
                Arguments.of("AV1 first packet of an inter frame", "AV1", "10" + "32", false),
                Arguments.of("AV1 continuation of a fragmented OBU (Z=1) is no place to start", "AV1", "98" + "00", false),
                Arguments.of("Opus is never a keyframe", "opus", "fcfffe", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("packets")
    void readsTheKeyframeFlag(String name, String codec, String payloadHex, boolean keyframe) {
        byte[] packet = rtp(payloadHex);
        assertEquals(keyframe, Keyframes.isKeyframe(codec, packet, 0, packet.length));
    }
}
