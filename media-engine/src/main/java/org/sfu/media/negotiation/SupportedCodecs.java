package org.sfu.media.negotiation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sfu.media.sdp.H264ProfileLevelId;
import org.sfu.media.sdp.RtpCodec;

/**
 * The codecs this server forwards and the RTCP feedback it handles for them. An SFU does not transcode, so a codec is
 * acceptable when every participant can decode it: Opus for audio, with RFC 2198 redundancy where offered; VP8 and constrained-baseline H.264
 * (packetization-mode 1) for video, VP8 first because every WebRTC endpoint must implement it (RFC 7742 §5).
 */
public final class SupportedCodecs {

    /**
     * Feedback the server forwards or answers today: NACK (RFC 4585 §6.2.1), PLI (§6.3.1), FIR (RFC 5104 §4.3.1),
     * and transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §4), which
     * the server sends for everything a participant sends so that its encoder can ramp up; and REMB
     * (draft-alvestrand-rmcat-remb-03), with which it tells the sender of a video sent as one stream the most its
     * receivers can take (router.SenderBitrateLimit). Only in answers to a participant's offer: the server's own
     * offers list what it sends, and it has no use for its receivers' REMBs.
     */
    static final Set<String> VIDEO_FEEDBACK = Set.of("nack", "nack pli", "ccm fir", "transport-cc", "goog-remb");
    static final Set<String> AUDIO_FEEDBACK = Set.of("transport-cc");

    /** RTP header extensions the server reads on what participants send (RFC 8285). */
    public static final String TRANSPORT_CC_URI =
            "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    public static final String AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
    /** RFC 8843 §15.1: the m-line (mid) a packet belongs to, before its SSRC is known. */
    public static final String MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid";
    /** RFC 8852 §3.1: the simulcast layer (rid) of a packet. */
    public static final String RTP_STREAM_ID_URI = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
    /** RFC 8852 §3.2: the layer an RTX packet repairs. */
    public static final String REPAIRED_RTP_STREAM_ID_URI = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";

    private static final String H264_PROFILE = "42e01f";

    private SupportedCodecs() {
    }

    /**
     * The offered codecs of one m-line that the server accepts, in the server's order of preference (the answerer's
     * order tells the offerer which codec to send first, RFC 3264 §6.1), with the feedback filtered to what is handled.
     */
    public static List<RtpCodec> accept(String kind, List<RtpCodec> offered) {
        List<RtpCodec> accepted = new ArrayList<>();
        for (String name : preference(kind)) {
            for (RtpCodec codec : offered) {
                if (codec.name().equalsIgnoreCase(name) && acceptable(codec)) {
                    accepted.add(filterFeedback(kind, codec));
                    // RFC 4588 §8.6: retransmissions of this codec, when offered, travel as RTX with apt = its type.
                    for (RtpCodec rtx : offered) {
                        if (rtx.isRtx() && rtx.apt() == codec.payloadType()) {
                            accepted.add(new RtpCodec(rtx.payloadType(), rtx.name(), rtx.clockRate(), rtx.channels(),
                                    rtx.fmtp(), List.of()));
                            break;
                        }
                    }
                    // One payload type per codec is enough: the first the offerer listed is its preferred variant.
                    break;
                }
            }
        }
        if (kind.equals("audio") && !accepted.isEmpty()) {
            acceptRed(accepted, offered);
        }
        return List.copyOf(accepted);
    }

    /**
     * RFC 2198 redundant audio, when offered over the accepted Opus (its fmtp names only Opus's payload type, as
     * Chromium's {@code a=fmtp:63 111/111}): forwarded as it comes to receivers that take it, reduced to its primary
     * Opus block for the others. It keeps its place relative to Opus in the offerer's list: libwebrtc sends RED only
     * when the remote description lists it before the codec it protects (WebRtcVoiceSendChannel::SetSendCodecs looks
     * for RED among the codecs ahead of the send codec), and Chromium offers it after Opus, so by default a sender
     * keeps sending plain Opus; one that prefers RED (setCodecPreferences with red first) gets an answer that lets it.
     */
    private static void acceptRed(List<RtpCodec> accepted, List<RtpCodec> offered) {
        RtpCodec opus = accepted.get(0);
        int opusIndex = 0;
        while (opusIndex < offered.size() && offered.get(opusIndex).payloadType() != opus.payloadType()) {
            opusIndex++;
        }
        for (int i = 0; i < offered.size(); i++) {
            RtpCodec red = offered.get(i);
            List<Integer> carried = red.redundantPayloadTypes();
            if (!red.isRed() || red.clockRate() != opus.clockRate() || red.channels() != opus.channels()
                    || carried.isEmpty() || !carried.stream().allMatch(pt -> pt == opus.payloadType())) {
                continue;
            }
            // RED has no feedback of its own: transport-cc is per packet, whatever its payload.
            RtpCodec kept = red.withRtcpFeedback(List.of());
            if (i < opusIndex) {
                accepted.add(0, kept);
            } else {
                accepted.add(1, kept);
            }
            return;
        }
    }

    /** What the server offers to a participant that has not told it its own payload types yet. */
    public static List<RtpCodec> defaults(String kind) {
        return switch (kind) {
            // RED after Opus, as Chromium offers it: a client that takes it receives redundant audio from senders
            // that send it, and itself sends plain Opus unless it puts RED first.
            case "audio" -> List.of(new RtpCodec(111, "opus", 48000, 2, fmtp("minptime", "10", "useinbandfec", "1"),
                    List.of("transport-cc")), new RtpCodec(63, "red", 48000, 2, fmtp("111/111", ""), List.of()));
            case "video" -> List.of(
                    new RtpCodec(96, "VP8", 90000, 1, Map.of(), List.copyOf(orderedVideoFeedback())),
                    new RtpCodec(97, "rtx", 90000, 1, fmtp("apt", "96"), List.of()),
                    new RtpCodec(102, "H264", 90000, 1, fmtp("level-asymmetry-allowed", "1", "packetization-mode", "1",
                            "profile-level-id", H264_PROFILE), List.copyOf(orderedVideoFeedback())),
                    new RtpCodec(103, "rtx", 90000, 1, fmtp("apt", "102"), List.of()));
            default -> List.of();
        };
    }

    private static List<String> preference(String kind) {
        return switch (kind) {
            case "audio" -> List.of("opus");
            // VP8 first: what every browser and mobile stack sends and decodes, so a room's senders agree on it.
            // VP9 and AV1 are forwarded as they come (no layer selection yet) to clients that only offer those.
            case "video" -> List.of("VP8", "H264", "VP9", "AV1");
            default -> List.of();
        };
    }

    private static boolean acceptable(RtpCodec codec) {
        if (codec.name().equalsIgnoreCase("VP9")) {
            // RFC 9628 §6: profile 0 (8-bit 4:2:0) is what every VP9 decoder in a browser or phone handles.
            return codec.fmtp().getOrDefault("profile-id", "0").trim().equals("0");
        }
        if (codec.name().equalsIgnoreCase("AV1")) {
            // AV1 RTP §7.2: profile 0 (Main) is the default and the one every AV1 decoder handles.
            return codec.fmtp().getOrDefault("profile", "0").trim().equals("0");
        }
        if (!codec.name().equalsIgnoreCase("H264")) {
            return true;
        }
        // RFC 6184 §8.1: only packetization-mode 1 with the constrained baseline profile is forwarded, so that
        // every receiver can decode what any sender produces; in any of its spellings and at any level.
        String mode = codec.fmtp().getOrDefault("packetization-mode", "0");
        H264ProfileLevelId profile = H264ProfileLevelId.of(codec);
        return mode.equals("1") && profile != null
                && profile.profile() == H264ProfileLevelId.Profile.CONSTRAINED_BASELINE;
    }

    private static RtpCodec filterFeedback(String kind, RtpCodec codec) {
        Set<String> handled = kind.equals("video") ? VIDEO_FEEDBACK : AUDIO_FEEDBACK;
        List<String> feedback = codec.rtcpFeedback().stream().filter(handled::contains).toList();
        return new RtpCodec(codec.payloadType(), codec.name(), codec.clockRate(), codec.channels(), codec.fmtp(), feedback);
    }

    private static List<String> orderedVideoFeedback() {
        return List.of("transport-cc", "nack", "nack pli", "ccm fir");
    }

    /** The header extensions the server accepts on an upstream m-line of this kind. */
    static Set<String> upstreamExtensions(String kind) {
        return kind.equals("audio") ? Set.of(TRANSPORT_CC_URI, AUDIO_LEVEL_URI) : Set.of(TRANSPORT_CC_URI);
    }

    /**
     * The header extensions the server accepts on an upstream m-line that carries simulcast layers: the plain ones,
     * and the mid, rid and repaired rid that bind a layer's packets (and its RTX) to it while its SSRC is unknown.
     * Only there, so that a plain sender's answer stays what it was.
     */
    static Set<String> simulcastExtensions(String kind) {
        Set<String> out = new java.util.HashSet<>(upstreamExtensions(kind));
        out.add(MID_URI);
        out.add(RTP_STREAM_ID_URI);
        out.add(REPAIRED_RTP_STREAM_ID_URI);
        return Set.copyOf(out);
    }

    /**
     * The header extensions on m-lines the server sends on: the sender's audio level passes through, so receivers
     * see who speaks (RTCRtpReceiver.getSynchronizationSources); and transport-wide sequence numbers, the server's own
     * per receiver (draft-holmer-rmcat-transport-wide-cc-extensions-01), so that the receiver's transport-cc feedback
     * gives the server its downlink estimate. Consumers map each sender's ids to the receiver's.
     */
    static Set<String> downstreamExtensions(String kind) {
        return kind.equals("audio") ? Set.of(AUDIO_LEVEL_URI, TRANSPORT_CC_URI) : Set.of(TRANSPORT_CC_URI);
    }

    /** The id the server offers for an extension when the session has none yet (Chromium's own choices). */
    static int defaultExtensionId(String uri) {
        return uri.equals(AUDIO_LEVEL_URI) ? 1 : 3;
    }

    private static Map<String, String> fmtp(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
