package org.sfu.media.sdp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A session description (RFC 8866) as used by WebRTC (RFC 8829 JSEP): the o= and s= values,
 * session-level a= lines, and the m-sections. Lines this model does not keep (t= other than
 * "0 0", session-level c=, b=, i=, u=, e=, p=, z=, k=, r= and unknown types) are accepted and
 * dropped, as RFC 8866 §5 lets a parser ignore what it does not understand; unknown a= lines are
 * kept as attributes.
 *
 * @param origin      the o= value, e.g. {@code "- 4611731400430051336 2 IN IP4 127.0.0.1"}
 * @param sessionName the s= value; "-" when blank (RFC 8866 §5.3)
 */
public record SessionDescription(String origin, String sessionName, List<Attribute> attributes,
                                 List<MediaDescription> media) {

    /** Inputs above this many characters are refused before parsing. */
    public static final int MAX_LENGTH = 256 * 1024;
    /** At most this many m-sections. */
    public static final int MAX_MEDIA = 64;

    public SessionDescription {
        if (origin == null || origin.isBlank() || SdpText.hasLineBreak(origin)) {
            throw new IllegalArgumentException("invalid origin: " + origin);
        }
        if (sessionName == null || sessionName.isBlank()) {
            sessionName = "-";
        } else if (SdpText.hasLineBreak(sessionName)) {
            throw new IllegalArgumentException("session name must not contain CR or LF");
        }
        attributes = List.copyOf(attributes);
        media = List.copyOf(media);
    }

    /**
     * Parses an SDP blob. Accepts CRLF or LF line endings, trailing whitespace and blank
     * lines. Throws {@link SdpParseException} (unchecked) when the input is null, larger than
     * {@link #MAX_LENGTH} characters, does not start with {@code v=0}, lacks o= or s=, has a
     * line that is not {@code <letter>=<value>}, a media-level line before the first m=, a
     * malformed m= line or more than {@link #MAX_MEDIA} m-sections.
     */
    public static SessionDescription parse(String sdp) {
        if (sdp == null) {
            throw new SdpParseException("input is null");
        }
        if (sdp.length() > MAX_LENGTH) {
            throw new SdpParseException("input of " + sdp.length() + " characters exceeds " + MAX_LENGTH);
        }
        String origin = null;
        String sessionName = null;
        boolean sawVersion = false;
        List<Attribute> sessionAttributes = new ArrayList<>();
        List<MediaDescription> media = new ArrayList<>();
        MediaBuilder current = null;

        int lineNo = 0;
        int pos = 0;
        int n = sdp.length();
        while (pos < n) {
            int nl = sdp.indexOf('\n', pos);
            int end = nl < 0 ? n : nl;
            lineNo++;
            String line = stripTrailing(sdp, pos, end);
            pos = end + 1;
            if (line.isEmpty()) {
                continue;
            }
            if (line.length() < 2 || line.charAt(1) != '=' || !isTypeChar(line.charAt(0))) {
                throw new SdpParseException(lineNo, "not a <type>=<value> line: " + excerpt(line));
            }
            int control = firstControlCharacter(line);
            if (control >= 0) {
                // RFC 8866 §9: values are byte-strings without NUL, CR or LF.
                throw new SdpParseException(lineNo, "control character 0x" + Integer.toHexString(line.charAt(control))
                        + " at column " + (control + 1));
            }
            char type = line.charAt(0);
            String value = line.substring(2);
            if (!sawVersion) {
                if (type != 'v' || !value.trim().equals("0")) {
                    throw new SdpParseException(lineNo, "SDP must start with v=0, got " + excerpt(line));
                }
                sawVersion = true;
                continue;
            }
            switch (type) {
                case 'v' -> throw new SdpParseException(lineNo, "second v= line");
                case 'o' -> {
                    if (current != null || origin != null) {
                        throw new SdpParseException(lineNo, "o= only allowed once, at session level");
                    }
                    if (value.isBlank()) {
                        throw new SdpParseException(lineNo, "empty o= line");
                    }
                    origin = value;
                }
                case 's' -> {
                    if (current != null || sessionName != null) {
                        throw new SdpParseException(lineNo, "s= only allowed once, at session level");
                    }
                    sessionName = value;
                }
                case 'm' -> {
                    if (origin == null || sessionName == null) {
                        throw new SdpParseException(lineNo, "m= line before the session-level o= and s= lines");
                    }
                    if (current != null) {
                        media.add(current.build(lineNo));
                    }
                    if (media.size() >= MAX_MEDIA) {
                        throw new SdpParseException(lineNo, "more than " + MAX_MEDIA + " m-sections");
                    }
                    current = MediaBuilder.parseMediaLine(lineNo, value);
                }
                case 'c' -> {
                    if (current != null) {
                        if (value.isBlank()) {
                            throw new SdpParseException(lineNo, "empty c= line");
                        }
                        current.connection = value;
                    }
                    // Session-level c= is not modelled: JSEP puts c= in every m-section.
                }
                case 'a' -> {
                    if (value.isEmpty() || value.charAt(0) == ':') {
                        throw new SdpParseException(lineNo, "a= line without attribute name: " + excerpt(line));
                    }
                    Attribute a;
                    try {
                        a = Attribute.parse(value);
                    } catch (IllegalArgumentException e) {
                        throw new SdpParseException(lineNo, "bad attribute: " + excerpt(line));
                    }
                    (current != null ? current.attributes : sessionAttributes).add(a);
                }
                default -> {
                    // t=, b=, i=, u=, e=, p=, z=, k=, r= and unknown types: tolerated, not kept.
                }
            }
        }
        if (!sawVersion) {
            throw new SdpParseException("empty input, expected v=0");
        }
        if (origin == null) {
            throw new SdpParseException("missing o= line");
        }
        if (sessionName == null) {
            throw new SdpParseException("missing s= line");
        }
        if (current != null) {
            media.add(current.build(lineNo));
        }
        return new SessionDescription(origin, sessionName, sessionAttributes, media);
    }

    /**
     * Serialises with CRLF line endings: v=0, o=, s=, t=0 0, session attributes, then each
     * m-section (m=, c=, a=...).
     */
    public String toSdp() {
        StringBuilder sb = new StringBuilder(1024 + 2048 * media.size());
        sb.append("v=0\r\n");
        sb.append("o=").append(origin).append("\r\n");
        sb.append("s=").append(sessionName).append("\r\n");
        sb.append("t=0 0\r\n");
        for (Attribute a : attributes) {
            sb.append(a.toSdpLine()).append("\r\n");
        }
        for (MediaDescription m : media) {
            sb.append("m=").append(m.mediaLineValue()).append("\r\n");
            if (m.connection() != null) {
                sb.append("c=").append(m.connection()).append("\r\n");
            }
            for (Attribute a : m.attributes()) {
                sb.append(a.toSdpLine()).append("\r\n");
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return toSdp();
    }

    /** First value of the session-level {@code a=key}; a flag attribute yields "". */
    public Optional<String> attribute(String key) {
        return Attribute.first(attributes, key);
    }

    /** All values of the session-level {@code a=key}. */
    public List<String> attributes(String key) {
        return Attribute.all(attributes, key);
    }

    /** The mids of the first {@code a=group:BUNDLE} (RFC 8843 §7.1), empty when there is none. */
    public List<String> bundleMids() {
        for (String g : attributes("group")) {
            String[] parts = g.trim().split("\\s+");
            if (parts.length > 0 && parts[0].equals("BUNDLE")) {
                List<String> mids = new ArrayList<>(parts.length - 1);
                for (int i = 1; i < parts.length; i++) {
                    mids.add(parts[i]);
                }
                return Collections.unmodifiableList(mids);
            }
        }
        return List.of();
    }

    /** The m-section with this a=mid. */
    public Optional<MediaDescription> mediaByMid(String mid) {
        for (MediaDescription m : media) {
            if (mid.equals(m.mid())) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** a=ice-ufrag, media level first, then session level (RFC 8839 §5.4); null when absent. */
    public String iceUfrag(MediaDescription m) {
        return resolve(m, "ice-ufrag");
    }

    /** a=ice-pwd, media level first, then session level (RFC 8839 §5.4); null when absent. */
    public String icePwd(MediaDescription m) {
        return resolve(m, "ice-pwd");
    }

    /** The first a=fingerprint value (e.g. {@code "sha-256 8D:B8:..."}), media level first (RFC 8122 §5); null when absent. */
    public String fingerprint(MediaDescription m) {
        return resolve(m, "fingerprint");
    }

    /**
     * The m-line whose attributes describe the bundled transport: the first one not rejected that has ICE
     * credentials and a fingerprint (RFC 8843 §7.2), or null when none has.
     */
    public MediaDescription transportMedia() {
        for (MediaDescription m : media) {
            if (!m.isRejected() && iceUfrag(m) != null && icePwd(m) != null && fingerprint(m) != null) {
                return m;
            }
        }
        return null;
    }

    /** a=setup (RFC 4145 §4, RFC 8842), media level first; null when absent. */
    public String setup(MediaDescription m) {
        return resolve(m, "setup");
    }

    /** The m-section's direction, else a session-level direction attribute (RFC 8866 §6.7), else SENDRECV. */
    public Direction direction(MediaDescription m) {
        if (m.hasDirection()) {
            return m.direction();
        }
        for (Attribute a : attributes) {
            Direction d = a.value() == null ? Direction.fromAttributeKey(a.key()) : null;
            if (d != null) {
                return d;
            }
        }
        return Direction.SENDRECV;
    }

    private String resolve(MediaDescription m, String key) {
        Optional<String> v = m.attribute(key);
        return v.isPresent() ? v.get().trim() : attribute(key).map(String::trim).orElse(null);
    }

    public SessionDescription withMedia(List<MediaDescription> newMedia) {
        return new SessionDescription(origin, sessionName, attributes, newMedia);
    }

    public SessionDescription withAttributes(List<Attribute> newAttributes) {
        return new SessionDescription(origin, sessionName, newAttributes, media);
    }

    public SessionDescription withOrigin(String newOrigin) {
        return new SessionDescription(newOrigin, sessionName, attributes, media);
    }

    /** Sets {@code a=group:BUNDLE <mids>} replacing any BUNDLE group, in place (or appended). */
    public SessionDescription withBundle(List<String> mids) {
        Attribute group = new Attribute("group", String.join(" ", prepend("BUNDLE", mids)));
        List<Attribute> out = new ArrayList<>(attributes.size() + 1);
        boolean replaced = false;
        for (Attribute a : attributes) {
            if (a.key().equals("group") && a.value() != null && (a.value().equals("BUNDLE") || a.value().startsWith("BUNDLE "))) {
                if (!replaced) {
                    out.add(group);
                    replaced = true;
                }
            } else {
                out.add(a);
            }
        }
        if (!replaced) {
            out.add(0, group);
        }
        return withAttributes(out);
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> out = new ArrayList<>(rest.size() + 1);
        out.add(first);
        out.addAll(rest);
        return out;
    }

    private static int firstControlCharacter(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isTypeChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static String stripTrailing(String s, int from, int to) {
        int end = to;
        while (end > from) {
            char c = s.charAt(end - 1);
            if (c == '\r' || c == ' ' || c == '\t') {
                end--;
            } else {
                break;
            }
        }
        return s.substring(from, end);
    }

    private static String excerpt(String line) {
        String s = line.length() > 60 ? line.substring(0, 60) + "..." : line;
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return sb.append('"').toString();
    }

    /** Collects one m-section while parsing. */
    private static final class MediaBuilder {
        final String kind;
        final int port;
        final String protocol;
        final List<String> formats;
        String connection;
        final List<Attribute> attributes = new ArrayList<>();

        private MediaBuilder(String kind, int port, String protocol, List<String> formats) {
            this.kind = kind;
            this.port = port;
            this.protocol = protocol;
            this.formats = formats;
        }

        /** RFC 8866 §5.14: {@code m=<media> <port>[/<number of ports>] <proto> <fmt> ...}. */
        static MediaBuilder parseMediaLine(int lineNo, String value) {
            String[] parts = value.trim().split("[ \t]+");
            if (parts.length < 3) {
                throw new SdpParseException(lineNo, "m= line needs <media> <port> <proto> [<fmt>...]: " + excerpt("m=" + value));
            }
            String portText = parts[1];
            int slash = portText.indexOf('/');
            if (slash >= 0) {
                if (SdpText.parseUnsigned(portText.substring(slash + 1), 65535) < 1) {
                    throw new SdpParseException(lineNo, "bad port count in m= line: " + excerpt(portText));
                }
                portText = portText.substring(0, slash);
            }
            long port = SdpText.parseUnsigned(portText, 65535);
            if (port < 0) {
                throw new SdpParseException(lineNo, "m= port is not a number in 0..65535: " + excerpt(parts[1]));
            }
            List<String> formats = new ArrayList<>(parts.length - 3);
            for (int i = 3; i < parts.length; i++) {
                formats.add(parts[i]);
            }
            return new MediaBuilder(parts[0], (int) port, parts[2], formats);
        }

        MediaDescription build(int lineNo) {
            try {
                return new MediaDescription(kind, port, protocol, formats, connection, attributes);
            } catch (IllegalArgumentException e) {
                throw new SdpParseException(lineNo, "bad m-section: " + e.getMessage());
            }
        }
    }
}
