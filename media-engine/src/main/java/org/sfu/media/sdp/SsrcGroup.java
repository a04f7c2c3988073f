package org.sfu.media.sdp;

import java.util.List;

/** {@code a=ssrc-group:<semantics> <ssrc>...} (RFC 5576 §4.2), e.g. FID for RTX (RFC 4588). */
public record SsrcGroup(String semantics, List<Long> ssrcs) {

    public SsrcGroup {
        SdpText.requireToken(semantics, "ssrc-group semantics");
        ssrcs = List.copyOf(ssrcs);
        for (long s : ssrcs) {
            if (s < 0 || s > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("ssrc out of range: " + s);
            }
        }
    }

    public String toAttributeValue() {
        StringBuilder sb = new StringBuilder(semantics);
        for (long s : ssrcs) {
            sb.append(' ').append(s);
        }
        return sb.toString();
    }

    public Attribute toAttribute() {
        return new Attribute("ssrc-group", toAttributeValue());
    }

    /** Parses an ssrc-group attribute value; null when malformed. */
    static SsrcGroup parse(String value) {
        if (value == null) {
            return null;
        }
        String[] parts = value.trim().split("\\s+");
        if (parts.length < 1 || parts[0].isEmpty()) {
            return null;
        }
        Long[] ssrcs = new Long[parts.length - 1];
        for (int i = 1; i < parts.length; i++) {
            long s = SdpText.parseUnsigned(parts[i], 0xFFFF_FFFFL);
            if (s < 0) {
                return null;
            }
            ssrcs[i - 1] = s;
        }
        return new SsrcGroup(parts[0], List.of(ssrcs));
    }
}
