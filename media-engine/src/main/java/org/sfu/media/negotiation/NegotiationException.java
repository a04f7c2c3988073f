package org.sfu.media.negotiation;

/** A remote description the server cannot accept; the message is safe to show to the client. */
public final class NegotiationException extends Exception {
    public NegotiationException(String message) {
        super(message);
    }

    public NegotiationException(String message, Throwable cause) {
        super(message, cause);
    }
}
