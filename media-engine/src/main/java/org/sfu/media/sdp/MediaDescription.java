package org.sfu.media.sdp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * One m-section (RFC 8866 §5.14) with its c= line and a= lines in their original order.
 * The typed accessors ({@link #codecs()}, {@link #extmaps()}, ...) are views computed from
 * the attributes; malformed attribute values are skipped by them, not fatal, and stay in
 * {@link #attributes()} so that {@link SessionDescription#toSdp()} writes them back.
 *
 * @param kind       media type: audio, video or application
 * @param port       0 marks a rejected or disabled section (RFC 3264 §6, RFC 8843 §7.3.3)
 * @param protocol   e.g. {@code UDP/TLS/RTP/SAVPF}
 * @param formats    payload types (as strings) or, for data channels, {@code webrtc-datachannel}
 * @param connection the value of the media-level c= line, or null
 */
public record MediaDescription(String kind, int port, String protocol, List<String> formats,
                               String connection, List<Attribute> attributes) {

    public MediaDescription {
        SdpText.requireToken(kind, "media kind");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        SdpText.requireToken(protocol, "protocol");
        formats = List.copyOf(formats);
        for (String f : formats) {
            SdpText.requireToken(f, "format");
        }
        if (connection != null && (connection.isBlank() || SdpText.hasLineBreak(connection))) {
            throw new IllegalArgumentException("invalid connection: " + connection);
        }
        attributes = List.copyOf(attributes);
    }

    /** a=mid (RFC 8843 §15.1), or null when absent. */
    public String mid() {
        return attribute("mid").orElse(null);
    }

    /** The last direction attribute in the section, SENDRECV when there is none (RFC 8866 §6.7). */
    public Direction direction() {
        Direction found = null;
        for (Attribute a : attributes) {
            Direction d = a.value() == null ? Direction.fromAttributeKey(a.key()) : null;
            if (d != null) {
                found = d;
            }
        }
        return found == null ? Direction.SENDRECV : found;
    }

    /** Whether the section carries an explicit direction attribute. */
    boolean hasDirection() {
        for (Attribute a : attributes) {
            if (a.value() == null && Direction.fromAttributeKey(a.key()) != null) {
                return true;
            }
        }
        return false;
    }

    /** Port 0: rejected in an answer or disabled (RFC 3264 §6). */
    public boolean isRejected() {
        return port == 0;
    }

    /** First value of {@code a=key}; a flag attribute yields "". */
    public Optional<String> attribute(String key) {
        return Attribute.first(attributes, key);
    }

    /** All values of {@code a=key} in order; flag attributes yield "". */
    public List<String> attributes(String key) {
        return Attribute.all(attributes, key);
    }

    public boolean hasAttribute(String key) {
        return attribute(key).isPresent();
    }

    /** RFC 5761 §5.1.1 / RFC 8843. */
    public boolean rtcpMux() {
        return hasAttribute("rtcp-mux");
    }

    /** RFC 5506 §5: reduced-size RTCP. */
    public boolean rtcpRsize() {
        return hasAttribute("rtcp-rsize");
    }

    /** a=msid (RFC 8830 §2), e.g. {@code "<stream id> <track id>"}, or null. */
    public String msid() {
        return attribute("msid").orElse(null);
    }

    /**
     * Payload formats in m-line order, each from its rtpmap, fmtp and rtcp-fb lines
     * ({@code a=rtcp-fb:*} applies to all). A format without an rtpmap is included only
     * when it is a static RTP/AVP payload type (RFC 3551 §6), e.g. 0 PCMU.
     */
    public List<RtpCodec> codecs() {
        Map<Integer, String[]> rtpmaps = new HashMap<>();
        Map<Integer, String> fmtps = new HashMap<>();
        Map<Integer, List<String>> feedback = new HashMap<>();
        List<String> wildcardFeedback = new ArrayList<>();
        for (Attribute a : attributes) {
            if (a.value() == null) {
                continue;
            }
            switch (a.key()) {
                case "rtpmap" -> {
                    int sp = a.value().indexOf(' ');
                    int pt = sp < 0 ? -1 : (int) SdpText.parseUnsigned(a.value().substring(0, sp), 127);
                    if (pt >= 0) {
                        rtpmaps.putIfAbsent(pt, a.value().substring(sp + 1).trim().split("/"));
                    }
                }
                case "fmtp" -> {
                    int sp = a.value().indexOf(' ');
                    int pt = sp < 0 ? -1 : (int) SdpText.parseUnsigned(a.value().substring(0, sp), 127);
                    if (pt >= 0) {
                        fmtps.putIfAbsent(pt, a.value().substring(sp + 1));
                    }
                }
                case "rtcp-fb" -> {
                    int sp = a.value().indexOf(' ');
                    if (sp > 0) {
                        String target = a.value().substring(0, sp);
                        String fb = a.value().substring(sp + 1).trim();
                        if (fb.isEmpty()) {
                            continue;
                        }
                        if (target.equals("*")) {
                            wildcardFeedback.add(fb);
                        } else {
                            int pt = (int) SdpText.parseUnsigned(target, 127);
                            if (pt >= 0) {
                                feedback.computeIfAbsent(pt, k -> new ArrayList<>()).add(fb);
                            }
                        }
                    }
                }
                default -> {
                }
            }
        }
        List<RtpCodec> out = new ArrayList<>();
        for (String f : formats) {
            int pt = (int) SdpText.parseUnsigned(f, 127);
            if (pt < 0) {
                continue;
            }
            String[] map = rtpmaps.get(pt);
            RtpCodec codec = map != null ? fromRtpmap(pt, map) : StaticPayloadTypes.codec(pt);
            if (codec == null) {
                continue;
            }
            List<String> fbs = new ArrayList<>(feedback.getOrDefault(pt, List.of()));
            for (String w : wildcardFeedback) {
                if (!fbs.contains(w)) {
                    fbs.add(w);
                }
            }
            String fmtp = fmtps.get(pt);
            Map<String, String> params = fmtp == null ? Map.of() : RtpCodec.parseFmtpParameters(fmtp);
            out.add(new RtpCodec(pt, codec.name(), codec.clockRate(), codec.channels(), params, fbs));
        }
        return Collections.unmodifiableList(out);
    }

    private static RtpCodec fromRtpmap(int pt, String[] parts) {
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || SdpText.hasLineBreakOrSpace(parts[0])) {
            return null;
        }
        long clock = SdpText.parseUnsigned(parts[1], Integer.MAX_VALUE);
        long channels = parts.length == 3 ? SdpText.parseUnsigned(parts[2], 255) : 1;
        if (clock <= 0 || channels < 1) {
            return null;
        }
        return new RtpCodec(pt, parts[0], (int) clock, (int) channels, Map.of(), List.of());
    }

    /** The codec with this payload type, if the section offers it. */
    public Optional<RtpCodec> codec(int payloadType) {
        for (RtpCodec c : codecs()) {
            if (c.payloadType() == payloadType) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** a=extmap lines (RFC 8285 §8) in order; malformed ones skipped. */
    public List<Extmap> extmaps() {
        List<Extmap> out = new ArrayList<>();
        for (Attribute a : attributes) {
            if (a.key().equals("extmap")) {
                Extmap e = Extmap.parse(a.value());
                if (e != null) {
                    out.add(e);
                }
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** The id negotiated for an extension URI, or -1. */
    public int extmapId(String uri) {
        for (Extmap e : extmaps()) {
            if (e.uri().equals(uri)) {
                return e.id();
            }
        }
        return -1;
    }

    /**
     * a=ssrc lines (RFC 5576 §4.1) grouped by SSRC in order of appearance:
     * {@code a=ssrc:1 msid:s t} gives {@code {1={msid="s t"}}}; a flag attribute maps to "".
     */
    public Map<Long, Map<String, String>> ssrcAttributes() {
        Map<Long, Map<String, String>> out = new LinkedHashMap<>();
        for (Attribute a : attributes) {
            if (!a.key().equals("ssrc") || a.value() == null) {
                continue;
            }
            String v = a.value();
            int sp = v.indexOf(' ');
            long ssrc = SdpText.parseUnsigned(sp < 0 ? v : v.substring(0, sp), 0xFFFF_FFFFL);
            if (ssrc < 0) {
                continue;
            }
            Map<String, String> attrs = out.computeIfAbsent(ssrc, k -> new LinkedHashMap<>());
            if (sp > 0) {
                String rest = v.substring(sp + 1).trim();
                int colon = rest.indexOf(':');
                if (!rest.isEmpty()) {
                    attrs.putIfAbsent(colon < 0 ? rest : rest.substring(0, colon), colon < 0 ? "" : rest.substring(colon + 1));
                }
            }
        }
        Map<Long, Map<String, String>> frozen = new LinkedHashMap<>();
        out.forEach((k, v) -> frozen.put(k, Collections.unmodifiableMap(v)));
        return Collections.unmodifiableMap(frozen);
    }

    /** SSRCs from a=ssrc lines in order of first appearance. */
    public List<Long> ssrcs() {
        return List.copyOf(ssrcAttributes().keySet());
    }

    /** a=ssrc-group lines (RFC 5576 §4.2); malformed ones skipped. */
    public List<SsrcGroup> ssrcGroups() {
        List<SsrcGroup> out = new ArrayList<>();
        for (Attribute a : attributes) {
            if (a.key().equals("ssrc-group")) {
                SsrcGroup g = SsrcGroup.parse(a.value());
                if (g != null) {
                    out.add(g);
                }
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** a=rid lines (RFC 8851 §10) in order; malformed ones skipped. */
    public List<Rid> rids() {
        List<Rid> out = new ArrayList<>();
        for (Attribute a : attributes) {
            if (a.key().equals("rid")) {
                Rid r = Rid.parse(a.value());
                if (r != null) {
                    out.add(r);
                }
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** The first well-formed a=simulcast (RFC 8853 §5.1), or null. */
    public Simulcast simulcast() {
        for (Attribute a : attributes) {
            if (a.key().equals("simulcast")) {
                Simulcast s = Simulcast.parse(a.value());
                if (s != null) {
                    return s;
                }
            }
        }
        return null;
    }

    // ---- copy methods for building offers and answers ----

    public MediaDescription withPort(int newPort) {
        return new MediaDescription(kind, newPort, protocol, formats, connection, attributes);
    }

    public MediaDescription withConnection(String newConnection) {
        return new MediaDescription(kind, port, protocol, formats, newConnection, attributes);
    }

    public MediaDescription withFormats(List<String> newFormats) {
        return new MediaDescription(kind, port, protocol, newFormats, connection, attributes);
    }

    public MediaDescription withAttributes(List<Attribute> newAttributes) {
        return new MediaDescription(kind, port, protocol, formats, connection, newAttributes);
    }

    /** Appends an attribute. */
    public MediaDescription withAttribute(Attribute attribute) {
        List<Attribute> list = new ArrayList<>(attributes);
        list.add(attribute);
        return withAttributes(list);
    }

    /** Appends {@code a=key:value} ({@code a=key} when value is null). */
    public MediaDescription withAttribute(String key, String value) {
        return withAttribute(new Attribute(key, value));
    }

    /** Removes every {@code a=key}. */
    public MediaDescription withoutAttribute(String key) {
        return replacing(a -> a.key().equals(key), List.of());
    }

    /** Sets a=mid, replacing any existing one in place. */
    public MediaDescription withMid(String mid) {
        return replacing(a -> a.key().equals("mid"), List.of(new Attribute("mid", mid)));
    }

    /** Sets the direction attribute, replacing any existing one in place. */
    public MediaDescription withDirection(Direction direction) {
        return replacing(a -> a.value() == null && Direction.fromAttributeKey(a.key()) != null,
                List.of(Attribute.flag(direction.sdpName())));
    }

    /**
     * Replaces the payload formats and their rtpmap/rtcp-fb/fmtp lines with these codecs,
     * in this order, where the old codec lines were (or at the end).
     */
    public MediaDescription withCodecs(List<RtpCodec> codecs) {
        List<String> fmts = new ArrayList<>(codecs.size());
        List<Attribute> lines = new ArrayList<>();
        for (RtpCodec c : codecs) {
            fmts.add(Integer.toString(c.payloadType()));
            lines.addAll(c.toAttributes());
        }
        MediaDescription m = replacing(a -> a.key().equals("rtpmap") || a.key().equals("fmtp") || a.key().equals("rtcp-fb"), lines);
        return m.withFormats(fmts);
    }

    /** Replaces the a=extmap lines with these, where the old ones were (or at the end). */
    public MediaDescription withExtmaps(List<Extmap> extmaps) {
        List<Attribute> lines = new ArrayList<>(extmaps.size());
        for (Extmap e : extmaps) {
            lines.add(e.toAttribute());
        }
        return replacing(a -> a.key().equals("extmap"), lines);
    }

    /** Removes matching attributes and puts replacements where the first match was, or at the end. */
    private MediaDescription replacing(Predicate<Attribute> match, List<Attribute> replacements) {
        List<Attribute> out = new ArrayList<>(attributes.size() + replacements.size());
        boolean inserted = false;
        for (Attribute a : attributes) {
            if (match.test(a)) {
                if (!inserted) {
                    out.addAll(replacements);
                    inserted = true;
                }
            } else {
                out.add(a);
            }
        }
        if (!inserted) {
            out.addAll(replacements);
        }
        return withAttributes(out);
    }

    /** The m= line value, e.g. {@code "audio 9 UDP/TLS/RTP/SAVPF 111"}. */
    String mediaLineValue() {
        StringBuilder sb = new StringBuilder().append(kind).append(' ').append(port).append(' ').append(protocol);
        for (String f : formats) {
            sb.append(' ').append(f);
        }
        return sb.toString();
    }
}
