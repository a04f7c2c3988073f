package org.sfu.media.sdp;

/**
 * One {@code a=} line (RFC 8866 §5.13): a property attribute ({@code a=rtcp-mux}, value
 * {@code null}) or a value attribute ({@code a=mid:0}).
 */
public record Attribute(String key, String value) {

    public Attribute {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("attribute key must not be empty");
        }
        // The key ends at the first ':' (RFC 8866 §5.13); CR/LF would let a value inject lines.
        if (key.indexOf(':') >= 0 || SdpText.hasLineBreakOrSpace(key)) {
            throw new IllegalArgumentException("invalid attribute key: " + key);
        }
        if (value != null && SdpText.hasLineBreak(value)) {
            throw new IllegalArgumentException("attribute value must not contain CR or LF");
        }
    }

    /** A property attribute such as {@code a=rtcp-mux}. */
    public static Attribute flag(String key) {
        return new Attribute(key, null);
    }

    public boolean isFlag() {
        return value == null;
    }

    /** {@code "a=key:value"} or {@code "a=key"}, without line ending. */
    public String toSdpLine() {
        return value == null ? "a=" + key : "a=" + key + ":" + value;
    }

    /** Parses the text after {@code "a="}. */
    static Attribute parse(String text) {
        int colon = text.indexOf(':');
        return colon < 0 ? new Attribute(text, null)
                : new Attribute(text.substring(0, colon), text.substring(colon + 1));
    }

    /** First value of {@code a=key} among these attributes; a flag attribute yields "". */
    static java.util.Optional<String> first(java.util.List<Attribute> attributes, String key) {
        for (Attribute a : attributes) {
            if (a.key().equals(key)) {
                return java.util.Optional.of(a.value() == null ? "" : a.value());
            }
        }
        return java.util.Optional.empty();
    }

    /** All values of {@code a=key} among these attributes, in order; flag attributes yield "". */
    static java.util.List<String> all(java.util.List<Attribute> attributes, String key) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (Attribute a : attributes) {
            if (a.key().equals(key)) {
                out.add(a.value() == null ? "" : a.value());
            }
        }
        return java.util.Collections.unmodifiableList(out);
    }
}
