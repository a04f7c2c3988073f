package org.sfu.media.router;

/** A join refused because the router (room) already has its maximum number of participants. */
public final class RouterFullException extends Exception {
    public RouterFullException(String router, int max) {
        super("room " + router + " is full (" + max + " participants)");
    }
}
