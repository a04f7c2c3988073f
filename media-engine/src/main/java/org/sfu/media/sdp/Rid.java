package org.sfu.media.sdp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code a=rid:<rid-id> <send|recv> [pt=<fmt>,...;<restriction>=<value>;...]} (RFC 8851 §10): one RTP stream of an
 * m-line, named by the RtpStreamId its packets carry in the rtp-stream-id header extension (RFC 8852 §3.1).
 *
 * @param id           the rid-id: letters, digits, '-' and '_', at most {@value #MAX_ID_LENGTH} characters
 * @param direction    {@code send} or {@code recv}, from the point of view of the description's author
 * @param payloadTypes the {@code pt=} list (RFC 8851 §4), empty when absent (all the m-line's formats)
 * @param restrictions the other parameters (max-width, max-height, max-fps, ...), in order; values kept as written
 */
public record Rid(String id, String direction, List<Integer> payloadTypes, Map<String, String> restrictions) {
    /**
     * RFC 8852 §3.1 allows 255 octets, but the one-byte header extension form (RFC 8285 §4.2) carries at most 16, and
     * that is what every browser sends; a longer id could never match a packet sent in that form.
     */
    public static final int MAX_ID_LENGTH = 16;

    public Rid {
        if (!isValidId(id)) {
            throw new IllegalArgumentException("invalid rid-id: " + id);
        }
        if (!direction.equals("send") && !direction.equals("recv")) {
            throw new IllegalArgumentException("invalid rid direction: " + direction);
        }
        payloadTypes = List.copyOf(payloadTypes);
        restrictions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(restrictions));
    }

    /** RFC 8851 §10: rid-id = 1*(alpha-numeric / "-" / "_"). */
    public static boolean isValidId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Parses an a=rid value; null when malformed (the attribute is then ignored, as an unknown one would be). */
    static Rid parse(String value) {
        if (value == null) {
            return null;
        }
        String[] parts = value.trim().split("\\s+", 3);
        if (parts.length < 2 || !isValidId(parts[0]) || !(parts[1].equals("send") || parts[1].equals("recv"))) {
            return null;
        }
        List<Integer> pts = List.of();
        Map<String, String> restrictions = new LinkedHashMap<>();
        if (parts.length == 3) {
            for (String param : parts[2].split(";")) {
                param = param.trim();
                if (param.isEmpty()) {
                    continue;
                }
                int eq = param.indexOf('=');
                String key = eq < 0 ? param : param.substring(0, eq).trim();
                String val = eq < 0 ? "" : param.substring(eq + 1).trim();
                if (key.isEmpty() || SdpText.hasLineBreakOrSpace(key)) {
                    return null;
                }
                if (key.equals("pt")) {
                    java.util.ArrayList<Integer> list = new java.util.ArrayList<>();
                    for (String pt : val.split(",")) {
                        long n = SdpText.parseUnsigned(pt.trim(), 127);
                        if (n < 0) {
                            return null;
                        }
                        list.add((int) n);
                    }
                    pts = list;
                } else {
                    restrictions.putIfAbsent(key, val);
                }
            }
        }
        return new Rid(parts[0], parts[1], pts, restrictions);
    }

    /** The attribute value, e.g. {@code "q recv"}. */
    public String toAttributeValue() {
        StringBuilder sb = new StringBuilder(id).append(' ').append(direction);
        List<String> params = new java.util.ArrayList<>();
        if (!payloadTypes.isEmpty()) {
            params.add("pt=" + String.join(",", payloadTypes.stream().map(String::valueOf).toList()));
        }
        restrictions.forEach((k, v) -> params.add(v.isEmpty() ? k : k + "=" + v));
        if (!params.isEmpty()) {
            sb.append(' ').append(String.join(";", params));
        }
        return sb.toString();
    }

    public Attribute toAttribute() {
        return new Attribute("rid", toAttributeValue());
    }
}
