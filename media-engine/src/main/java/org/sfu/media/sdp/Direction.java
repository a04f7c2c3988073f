package org.sfu.media.sdp;

/** Media direction attribute (RFC 8866 §6.7; RFC 3264 §6.1 for how an answer reverses it). */
public enum Direction {
    SENDRECV("sendrecv"), SENDONLY("sendonly"), RECVONLY("recvonly"), INACTIVE("inactive");

    private final String sdpName;

    Direction(String sdpName) {
        this.sdpName = sdpName;
    }

    /** The attribute name, e.g. {@code "recvonly"}. */
    public String sdpName() {
        return sdpName;
    }

    /** The direction seen from the other side: sendonly ⇄ recvonly; sendrecv and inactive stay. */
    public Direction reverse() {
        return switch (this) {
            case SENDONLY -> RECVONLY;
            case RECVONLY -> SENDONLY;
            default -> this;
        };
    }

    public boolean sends() {
        return this == SENDRECV || this == SENDONLY;
    }

    public boolean receives() {
        return this == SENDRECV || this == RECVONLY;
    }

    /** Parses an attribute name such as {@code "sendonly"}; throws IllegalArgumentException otherwise. */
    public static Direction parse(String name) {
        Direction d = fromAttributeKey(name);
        if (d == null) {
            throw new IllegalArgumentException("not a direction: " + name);
        }
        return d;
    }

    static Direction fromAttributeKey(String key) {
        if (key == null) {
            return null;
        }
        for (Direction d : values()) {
            if (d.sdpName.equals(key)) {
                return d;
            }
        }
        return null;
    }
}
