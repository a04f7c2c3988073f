package org.sfu.media.sdp;

/**
 * {@code a=extmap:<id>[/<direction>] <uri>} (RFC 8285 §8). Extension attributes after the
 * URI are not modelled; they stay in the raw attribute.
 */
public record Extmap(int id, String direction, String uri) {

    public Extmap {
        // RFC 8285 §5: 1-14 one-byte, 1-255 two-byte; 4096-4351 are for SDP negotiation only.
        if (id < 1 || (id > 255 && (id < 4096 || id > 4351))) {
            throw new IllegalArgumentException("extmap id out of range: " + id);
        }
        if (direction != null) {
            SdpText.requireToken(direction, "extmap direction");
        }
        SdpText.requireToken(uri, "extmap uri");
    }

    public Extmap(int id, String uri) {
        this(id, null, uri);
    }

    /** The attribute value, e.g. {@code "4 urn:ietf:params:rtp-hdrext:sdes:mid"}. */
    public String toAttributeValue() {
        return direction == null ? id + " " + uri : id + "/" + direction + " " + uri;
    }

    public Attribute toAttribute() {
        return new Attribute("extmap", toAttributeValue());
    }

    /** Parses an extmap attribute value; null when malformed. */
    static Extmap parse(String value) {
        if (value == null) {
            return null;
        }
        String[] parts = value.trim().split("\\s+");
        if (parts.length < 2) {
            return null;
        }
        String idPart = parts[0];
        String direction = null;
        int slash = idPart.indexOf('/');
        if (slash >= 0) {
            direction = idPart.substring(slash + 1);
            idPart = idPart.substring(0, slash);
        }
        long id = SdpText.parseUnsigned(idPart, 4351);
        if (id < 1 || (id > 255 && id < 4096) || (direction != null && direction.isEmpty())) {
            return null;
        }
        return new Extmap((int) id, direction, parts[1]);
    }
}
