package org.sfu.media.sdp;

/**
 * Thrown by {@link SessionDescription#parse(String)} when the input is not an SDP this
 * server can work with. Unchecked (a subclass of {@link IllegalArgumentException}): SDP
 * comes from a remote peer, and the signalling layer turns it into an error reply.
 */
public final class SdpParseException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** 1-based line number of the offending line, or 0 when the whole input is at fault. */
    private final int line;

    public SdpParseException(String message) {
        this(0, message);
    }

    public SdpParseException(int line, String message) {
        super(line > 0 ? "SDP line " + line + ": " + message : "SDP: " + message);
        this.line = line;
    }

    public int line() {
        return line;
    }
}
