package org.sfu.signaling.access;

/** An access token that admits nobody: missing, malformed, forged, expired, not yet valid, or for another room. */
public final class InvalidAccessTokenException extends Exception {
    public InvalidAccessTokenException(String reason) {
        super(reason);
    }
}
