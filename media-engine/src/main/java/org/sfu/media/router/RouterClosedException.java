package org.sfu.media.router;

/** A join that raced with the removal of the router's last participant; the caller joins a fresh router. */
public final class RouterClosedException extends Exception {
    public RouterClosedException() {
        super("the room was closed");
    }
}
