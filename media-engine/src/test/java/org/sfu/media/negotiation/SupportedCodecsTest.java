package org.sfu.media.negotiation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sfu.media.sdp.MediaDescription;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.media.sdp.SessionDescription;

/**
 * Given an m-section's rtpmap/fmtp/rtcp-fb lines as browsers write them, the server accepts exactly these payload
 * types, in its own order of preference, with exactly this feedback.
 */
class SupportedCodecsTest {

    /** One row: what is offered, and what is accepted as "PT name [feedback...]" strings. */
    static Stream<Arguments> offers() {
        return Stream.of(
                Arguments.of("Chromium audio: Opus with transport-cc, then RED over it as Chromium lists it", "audio", """
                        m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126
                        a=rtpmap:111 opus/48000/2
                        a=rtcp-fb:111 transport-cc
                        a=fmtp:111 minptime=10;useinbandfec=1
                        a=rtpmap:63 red/48000/2
                        a=fmtp:63 111/111
                        a=rtpmap:9 G722/8000
                        a=rtpmap:0 PCMU/8000
                        a=rtpmap:8 PCMA/8000
                        a=rtpmap:13 CN/8000
                        a=rtpmap:110 telephone-event/48000
                        a=rtpmap:126 telephone-event/8000
                        """, List.of("111 opus [transport-cc]", "63 red []")),
                Arguments.of("RED listed before Opus (setCodecPreferences) stays before it: libwebrtc then sends RED",
                        "audio", """
                        m=audio 9 UDP/TLS/RTP/SAVPF 63 111 9
                        a=rtpmap:63 red/48000/2
                        a=fmtp:63 111/111
                        a=rtpmap:111 opus/48000/2
                        a=rtcp-fb:111 transport-cc
                        a=rtpmap:9 G722/8000
                        """, List.of("63 red []", "111 opus [transport-cc]")),
                Arguments.of("RED with two levels of Opus redundancy, under other payload types", "audio", """
                        m=audio 9 UDP/TLS/RTP/SAVPF 109 120
                        a=rtpmap:109 opus/48000/2
                        a=rtpmap:120 red/48000/2
                        a=fmtp:120 109/109/109
                        """, List.of("109 opus []", "120 red []")),
                Arguments.of("RED over another codec, over an unnamed one, or without its fmtp is refused", "audio", """
                        m=audio 9 UDP/TLS/RTP/SAVPF 111 63 64 65 66 9
                        a=rtpmap:111 opus/48000/2
                        a=rtpmap:63 red/48000/2
                        a=fmtp:63 9/9
                        a=rtpmap:64 red/48000/2
                        a=fmtp:64 111/9
                        a=rtpmap:65 red/48000/2
                        a=rtpmap:66 red/8000
                        a=fmtp:66 111/111
                        a=rtpmap:9 G722/8000
                        """, List.of("111 opus []")),
                Arguments.of("RED without Opus: nothing to forward", "audio", """
                        m=audio 9 UDP/TLS/RTP/SAVPF 63 9
                        a=rtpmap:63 red/48000/2
                        a=fmtp:63 9/9
                        a=rtpmap:9 G722/8000
                        """, List.of()),
                Arguments.of("Firefox audio: Opus under PT 109", "audio", """
                        m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101
                        a=rtpmap:109 opus/48000/2
                        a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1
                        a=rtpmap:9 G722/8000/1
                        a=rtpmap:0 PCMU/8000
                        a=rtpmap:8 PCMA/8000
                        a=rtpmap:101 telephone-event/8000
                        """, List.of("109 opus []")),
                Arguments.of("G.711 only: nothing to forward", "audio", """
                        m=audio 9 UDP/TLS/RTP/SAVPF 0 8
                        a=rtpmap:0 PCMU/8000
                        a=rtpmap:8 PCMA/8000
                        """, List.of()),
                Arguments.of("VP8 with Chromium's feedback: remb and transport-cc kept", "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 96 97
                        a=rtpmap:96 VP8/90000
                        a=rtcp-fb:96 goog-remb
                        a=rtcp-fb:96 transport-cc
                        a=rtcp-fb:96 ccm fir
                        a=rtcp-fb:96 nack
                        a=rtcp-fb:96 nack pli
                        a=rtpmap:97 rtx/90000
                        a=fmtp:97 apt=96
                        """, List.of("96 VP8 [goog-remb, transport-cc, ccm fir, nack, nack pli]", "97 rtx []")),
                Arguments.of("H.264 packetization-mode 0 is refused (RFC 6184 §6.2)", "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 104
                        a=rtpmap:104 H264/90000
                        a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f
                        """, List.of()),
                Arguments.of("H.264 without packetization-mode means mode 0", "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 104
                        a=rtpmap:104 H264/90000
                        a=fmtp:104 profile-level-id=42e01f
                        """, List.of()),
                Arguments.of("H.264 High 640c1f is refused", "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 112
                        a=rtpmap:112 H264/90000
                        a=rtcp-fb:112 nack
                        a=fmtp:112 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f
                        """, List.of()),
                Arguments.of("H.264 baseline 42001f and main 4d001f are refused", "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 102 116
                        a=rtpmap:102 H264/90000
                        a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f
                        a=rtpmap:116 H264/90000
                        a=fmtp:116 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f
                        """, List.of()),
                Arguments.of("H.264 constrained baseline 42e01f, mode 1 is accepted", "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 108 109
                        a=rtpmap:108 H264/90000
                        a=rtcp-fb:108 goog-remb
                        a=rtcp-fb:108 nack
                        a=rtcp-fb:108 nack pli
                        a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f
                        a=rtpmap:109 rtx/90000
                        a=fmtp:109 apt=108
                        """, List.of("108 H264 [goog-remb, nack, nack pli]", "109 rtx []")),
                Arguments.of("constrained baseline as other stacks spell it, at other levels, is accepted", "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 120 121 122
                        a=rtpmap:120 H264/90000
                        a=fmtp:120 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e034
                        a=rtpmap:121 H264/90000
                        a=fmtp:121 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42c02a
                        a=rtpmap:122 H264/90000
                        a=fmtp:122 packetization-mode=1;profile-level-id=4d401f
                        """, List.of("120 H264 []")),
                Arguments.of("iOS's constrained baseline 42c01f alone is accepted", "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 98
                        a=rtpmap:98 H264/90000
                        a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42c01f
                        """, List.of("98 H264 []")),
                Arguments.of("profile-level-id is case-insensitive hex", "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 126
                        a=rtpmap:126 H264/90000
                        a=fmtp:126 profile-level-id=42E01F;level-asymmetry-allowed=1;packetization-mode=1
                        """, List.of("126 H264 []")),
                Arguments.of("VP8 preferred over H.264 even when offered after it", "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 126 97 120
                        a=rtpmap:126 H264/90000
                        a=rtcp-fb:126 nack
                        a=rtcp-fb:126 nack pli
                        a=rtcp-fb:126 ccm fir
                        a=rtcp-fb:126 goog-remb
                        a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1
                        a=rtpmap:97 H264/90000
                        a=fmtp:97 profile-level-id=42e01f;level-asymmetry-allowed=1
                        a=rtpmap:120 VP8/90000
                        a=rtcp-fb:120 nack
                        a=rtcp-fb:120 nack pli
                        a=rtcp-fb:120 ccm fir
                        a=rtcp-fb:120 goog-remb
                        a=fmtp:120 max-fs=12288;max-fr=60
                        """, List.of("120 VP8 [nack, nack pli, ccm fir, goog-remb]",
                        "126 H264 [nack, nack pli, ccm fir, goog-remb]")),
                Arguments.of("one payload type per codec: the first acceptable variant", "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 96 98 104 108 110
                        a=rtpmap:96 VP8/90000
                        a=rtpmap:98 VP8/90000
                        a=rtcp-fb:98 nack
                        a=rtpmap:104 H264/90000
                        a=fmtp:104 packetization-mode=0;profile-level-id=42e01f
                        a=rtpmap:108 H264/90000
                        a=fmtp:108 packetization-mode=1;profile-level-id=42e01f
                        a=rtpmap:110 H264/90000
                        a=fmtp:110 packetization-mode=1;profile-level-id=42e01f
                        """, List.of("96 VP8 []", "108 H264 []")),
                Arguments.of("wildcard feedback applies to each codec, then is filtered", "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 96
                        a=rtpmap:96 VP8/90000
                        a=rtcp-fb:* nack
                        a=rtcp-fb:* transport-cc
                        """, List.of("96 VP8 [nack, transport-cc]")),
                Arguments.of("VP9 profile 0 and AV1 profile 0 with their RTX are forwarded; red and ulpfec are not",
                        "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 98 45 118 120 99
                        a=rtpmap:98 VP9/90000
                        a=rtcp-fb:98 nack
                        a=fmtp:98 profile-id=0
                        a=rtpmap:45 AV1/90000
                        a=fmtp:45 level-idx=5;profile=0;tier=0
                        a=rtpmap:118 red/90000
                        a=rtpmap:120 ulpfec/90000
                        a=rtpmap:99 rtx/90000
                        a=fmtp:99 apt=98
                        """, List.of("98 VP9 [nack]", "99 rtx []", "45 AV1 []")),
                Arguments.of("VP9 profile 2 (10-bit) and AV1 profile 1 are refused", "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 100 47
                        a=rtpmap:100 VP9/90000
                        a=fmtp:100 profile-id=2
                        a=rtpmap:47 AV1/90000
                        a=fmtp:47 level-idx=5;profile=1;tier=0
                        """, List.of()),
                Arguments.of("Opus offered on a video m-line is not a video codec", "video", """
                        m=video 9 UDP/TLS/RTP/SAVPF 111
                        a=rtpmap:111 opus/48000/2
                        """, List.of()),
                Arguments.of("VP8 offered on an audio m-line is not an audio codec", "audio", """
                        m=audio 9 UDP/TLS/RTP/SAVPF 96
                        a=rtpmap:96 VP8/90000
                        """, List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("offers")
    void acceptsWhatEveryParticipantCanDecode(String why, String kind, String section, List<String> expected) {
        List<RtpCodec> offered = mediaSection(section).codecs();

        List<RtpCodec> accepted = SupportedCodecs.accept(kind, offered);

        assertEquals(expected, accepted.stream().map(SupportedCodecsTest::describe).toList(), why);
    }

    @Test
    void keepsTheOfferersPayloadTypeAndParametersUnchanged() {
        RtpCodec offered = mediaSection("""
                m=video 9 UDP/TLS/RTP/SAVPF 108
                a=rtpmap:108 H264/90000
                a=rtcp-fb:108 nack
                a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f
                """).codecs().get(0);

        RtpCodec accepted = SupportedCodecs.accept("video", List.of(offered)).get(0);

        assertEquals(offered, accepted, "same PT, name, clock rate, channels, fmtp and (handled) feedback");
        assertEquals("level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", accepted.fmtpValue());
    }

    @Test
    void anUnknownKindAcceptsNothing() {
        List<RtpCodec> offered = mediaSection("""
                m=video 9 UDP/TLS/RTP/SAVPF 96
                a=rtpmap:96 VP8/90000
                """).codecs();

        assertEquals(List.of(), SupportedCodecs.accept("application", offered));
        assertEquals(List.of(), SupportedCodecs.defaults("application"));
    }

    @Test
    void defaultsAreWhatTheServerOffersBeforeItKnowsTheParticipantsPayloadTypes() {
        assertEquals(List.of("111 opus [transport-cc]", "63 red []"), SupportedCodecs.defaults("audio").stream()
                .map(SupportedCodecsTest::describe).toList());
        assertEquals(List.of(111, 111), SupportedCodecs.defaults("audio").get(1).redundantPayloadTypes(),
                "RED over the default Opus, written a=fmtp:63 111/111");
        assertEquals("111/111", SupportedCodecs.defaults("audio").get(1).fmtpValue());
        RtpCodec opus = SupportedCodecs.defaults("audio").get(0);
        assertEquals(48000, opus.clockRate());
        assertEquals(2, opus.channels());
        assertEquals("minptime=10;useinbandfec=1", opus.fmtpValue());

        List<RtpCodec> video = SupportedCodecs.defaults("video");
        assertEquals(List.of("96 VP8 [transport-cc, nack, nack pli, ccm fir]", "97 rtx []",
                        "102 H264 [transport-cc, nack, nack pli, ccm fir]", "103 rtx []"),
                video.stream().map(SupportedCodecsTest::describe).toList());
        assertEquals("level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", video.get(2).fmtpValue());
        assertEquals(96, video.get(1).apt());
        assertEquals(102, video.get(3).apt());
        // The defaults must pass the server's own filter, or an answer echoing them would be refused.
        assertEquals(video, SupportedCodecs.accept("video", video));
        assertEquals(SupportedCodecs.defaults("audio"), SupportedCodecs.accept("audio", SupportedCodecs.defaults("audio")));
    }

    private static MediaDescription mediaSection(String lines) {
        SessionDescription d = SessionDescription.parse("v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nt=0 0\n" + lines);
        assertEquals(1, d.media().size());
        return d.media().get(0);
    }

    private static String describe(RtpCodec c) {
        return c.payloadType() + " " + c.name() + " " + c.rtcpFeedback();
    }
}
