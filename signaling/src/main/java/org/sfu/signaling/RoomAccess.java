package org.sfu.signaling;

import org.sfu.media.router.Grants;
import org.sfu.signaling.access.AccessToken;
import org.sfu.signaling.access.AccessTokenVerifier;
import org.sfu.signaling.access.InvalidAccessTokenException;

/**
 * Which room a new signaling connection enters, and with which grants. Rooms are open unless the server verifies
 * access tokens: then a connection must bring a valid token ({@code ?token=<JWT>}), the token names the room (a
 * {@code room} parameter, if any, must agree), its {@code sub} is the participant's identity, and its grants say
 * whether the participant may publish and subscribe. Decided before the session exists: a refused connection gets
 * no client id, no room and no media state. Thread-safe.
 */
final class RoomAccess {
    /** A connection let in: to this room, with these grants. */
    record Entry(String room, Grants grants) {
    }

    private final AccessTokenVerifier verifier;

    /** @param verifier checks access tokens; null leaves every room open to anyone */
    RoomAccess(AccessTokenVerifier verifier) {
        this.verifier = verifier;
    }

    boolean requiresToken() {
        return verifier != null;
    }

    /**
     * @param requestedRoom the {@code room} parameter, or null
     * @param token         the access token, or null
     * @throws InvalidAccessTokenException when tokens are required and this one admits nobody to this room
     */
    Entry enter(String requestedRoom, String token) throws InvalidAccessTokenException {
        if (verifier == null) {
            return new Entry(requestedRoom == null ? SignalingEndpoint.DEFAULT_ROOM : requestedRoom, Grants.OPEN);
        }
        AccessToken verified = verifier.verify(token);
        if (requestedRoom != null && !requestedRoom.equals(verified.room())) {
            throw new InvalidAccessTokenException("the access token is for another room");
        }
        return new Entry(verified.room(), verified.grants());
    }
}
