package org.sfu.media.sdp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One RTP payload format of an m-section, assembled from {@code a=rtpmap} (RFC 8866 §6.6),
 * {@code a=fmtp} (§6.15) and {@code a=rtcp-fb} (RFC 4585 §4.2).
 *
 * @param channels     1 when the rtpmap has no channel count
 * @param fmtp         format parameters in their SDP order; a parameter without '=' (such as
 *                     RED's {@code 111/111}) is kept as key with an empty value
 * @param rtcpFeedback e.g. {@code "nack"}, {@code "nack pli"}, {@code "ccm fir"}, {@code "goog-remb"}, {@code "transport-cc"}
 */
public record RtpCodec(int payloadType, String name, int clockRate, int channels,
                       Map<String, String> fmtp, List<String> rtcpFeedback) {

    public RtpCodec {
        // RFC 3550 §5.1: 7-bit payload type.
        if (payloadType < 0 || payloadType > 127) {
            throw new IllegalArgumentException("payload type out of range: " + payloadType);
        }
        SdpText.requireToken(name, "encoding name");
        if (clockRate <= 0) {
            throw new IllegalArgumentException("clock rate must be positive: " + clockRate);
        }
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be >= 1: " + channels);
        }
        LinkedHashMap<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : fmtp.entrySet()) {
            String k = SdpText.requireToken(e.getKey(), "fmtp key");
            String v = e.getValue() == null ? "" : e.getValue();
            if (k.indexOf(';') >= 0 || k.indexOf('=') >= 0 || v.indexOf(';') >= 0 || SdpText.hasLineBreakOrSpace(v)) {
                throw new IllegalArgumentException("invalid fmtp parameter: " + k + "=" + v);
            }
            copy.put(k, v);
        }
        fmtp = Collections.unmodifiableMap(copy);
        rtcpFeedback = List.copyOf(rtcpFeedback);
        for (String fb : rtcpFeedback) {
            if (fb.isBlank() || SdpText.hasLineBreak(fb)) {
                throw new IllegalArgumentException("invalid rtcp-fb: " + fb);
            }
        }
    }

    public RtpCodec(int payloadType, String name, int clockRate) {
        this(payloadType, name, clockRate, 1, Map.of(), List.of());
    }

    /** RFC 4588 §8.6: the payload type an rtx codec retransmits, or -1. */
    public int apt() {
        String apt = fmtp.get("apt");
        if (apt == null) {
            return -1;
        }
        long v = SdpText.parseUnsigned(apt.trim(), 127);
        return (int) v;
    }

    public boolean isRtx() {
        return "rtx".equalsIgnoreCase(name);
    }

    /** RFC 2198 redundant audio ({@code red}). */
    public boolean isRed() {
        return "red".equalsIgnoreCase(name);
    }

    /**
     * RFC 2198 §5: the payload types a {@code red} format carries, primary first, from its fmtp
     * ({@code a=fmtp:63 111/111}); empty when this is not RED or its fmtp does not list them as
     * {@code pt/pt/...}.
     */
    public List<Integer> redundantPayloadTypes() {
        if (!isRed() || fmtp.size() != 1) {
            return List.of();
        }
        Map.Entry<String, String> only = fmtp.entrySet().iterator().next();
        if (!only.getValue().isEmpty()) {
            return List.of();
        }
        String[] parts = only.getKey().split("/", -1);
        // libwebrtc writes one level of redundancy and reads up to 32; more is no real format.
        if (parts.length > 32) {
            return List.of();
        }
        List<Integer> types = new ArrayList<>(parts.length);
        for (String part : parts) {
            long pt = SdpText.parseUnsigned(part.trim(), 127);
            if (pt < 0) {
                return List.of();
            }
            types.add((int) pt);
        }
        return List.copyOf(types);
    }

    public boolean hasFeedback(String feedback) {
        return rtcpFeedback.contains(feedback);
    }

    /**
     * Whether both describe the same codec configuration, ignoring the payload type: name
     * (case-insensitive), clock rate, channels and the parameters that make a different
     * codec: for H264 the profile (from profile-level-id, whatever its spelling, and not its
     * level: see {@link H264ProfileLevelId}) and packetization-mode (RFC 6184 §8.1, default 0),
     * for VP9 profile-id (default 0), for AV1 profile (default 0).
     */
    public boolean sameCodecAs(RtpCodec other) {
        if (!name.equalsIgnoreCase(other.name) || clockRate != other.clockRate || channels != other.channels) {
            return false;
        }
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "H264" -> sameH264Profile(this, other)
                    && param(this, "packetization-mode", "0").equals(param(other, "packetization-mode", "0"));
            case "VP9" -> param(this, "profile-id", "0").equals(param(other, "profile-id", "0"));
            case "AV1" -> param(this, "profile", "0").equals(param(other, "profile", "0"));
            default -> true;
        };
    }

    /**
     * RFC 6184 §8.2.2: with level-asymmetry-allowed each side names the level it can receive, so two peers of one
     * profile at different levels (Chromium's 42e01f and an iPhone's 42e034) exchange streams; as in libwebrtc, the
     * level never separates two otherwise equal codecs. Profiles this class does not name are compared by their idc
     * and constraint flags as written.
     */
    private static boolean sameH264Profile(RtpCodec a, RtpCodec b) {
        H264ProfileLevelId x = H264ProfileLevelId.of(a);
        H264ProfileLevelId y = H264ProfileLevelId.of(b);
        String xs = param(a, "profile-level-id", H264ProfileLevelId.DEFAULT);
        String ys = param(b, "profile-level-id", H264ProfileLevelId.DEFAULT);
        if (x == null || y == null) {
            return xs.equalsIgnoreCase(ys);
        }
        if (x.profile() == H264ProfileLevelId.Profile.OTHER || y.profile() == H264ProfileLevelId.Profile.OTHER) {
            return xs.substring(0, 4).equalsIgnoreCase(ys.substring(0, 4));
        }
        return x.profile() == y.profile();
    }

    private static String param(RtpCodec c, String key, String dflt) {
        String v = c.fmtp.get(key);
        return v == null ? dflt : v.trim();
    }

    public RtpCodec withPayloadType(int pt) {
        return new RtpCodec(pt, name, clockRate, channels, fmtp, rtcpFeedback);
    }

    public RtpCodec withFmtp(Map<String, String> newFmtp) {
        return new RtpCodec(payloadType, name, clockRate, channels, newFmtp, rtcpFeedback);
    }

    public RtpCodec withRtcpFeedback(List<String> feedback) {
        return new RtpCodec(payloadType, name, clockRate, channels, fmtp, feedback);
    }

    /** {@code "111 opus/48000/2"}; the channel count is written only when above 1. */
    public String rtpmapValue() {
        return payloadType + " " + name + "/" + clockRate + (channels > 1 ? "/" + channels : "");
    }

    /** {@code "minptime=10;useinbandfec=1"}, or "" when there are no parameters. */
    public String fmtpValue() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : fmtp.entrySet()) {
            if (sb.length() > 0) {
                sb.append(';');
            }
            sb.append(e.getKey());
            if (!e.getValue().isEmpty()) {
                sb.append('=').append(e.getValue());
            }
        }
        return sb.toString();
    }

    /** rtpmap, rtcp-fb lines, then fmtp: the order Chromium writes them. */
    public List<Attribute> toAttributes() {
        List<Attribute> out = new ArrayList<>(2 + rtcpFeedback.size());
        out.add(new Attribute("rtpmap", rtpmapValue()));
        for (String fb : rtcpFeedback) {
            out.add(new Attribute("rtcp-fb", payloadType + " " + fb));
        }
        if (!fmtp.isEmpty()) {
            out.add(new Attribute("fmtp", payloadType + " " + fmtpValue()));
        }
        return out;
    }

    /** Parses fmtp parameters ({@code "a=b;c=d"}); lenient about spaces, keeps order. */
    static Map<String, String> parseFmtpParameters(String params) {
        LinkedHashMap<String, String> out = new LinkedHashMap<>();
        for (String p : params.split(";")) {
            String t = p.trim();
            if (t.isEmpty()) {
                continue;
            }
            int eq = t.indexOf('=');
            String k = eq < 0 ? t : t.substring(0, eq).trim();
            String v = eq < 0 ? "" : t.substring(eq + 1).trim();
            if (!k.isEmpty() && !SdpText.hasLineBreakOrSpace(k) && !SdpText.hasLineBreakOrSpace(v) && k.indexOf('=') < 0) {
                out.put(k, v);
            }
        }
        return out;
    }
}
