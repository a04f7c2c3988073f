package org.sfu.signaling.access;

import java.time.Instant;
import org.sfu.media.router.Grants;

/**
 * A verified room access token: who its bearer is, the one room it opens, and what the bearer may do there.
 *
 * @param identity  the token's {@code sub}: who the application says the participant is; shown to the others
 * @param room      the token's {@code room}: the only room it admits to
 * @param publish   the {@code publish} grant (default true): the participant's tracks reach the others
 * @param subscribe the {@code subscribe} grant (default true): the participant receives the others' tracks
 * @param expiresAt the token's {@code exp}; it is checked when the connection opens, and a participant already in the
 *                  room stays there when it passes (as a call does not end when a ticket's validity does)
 */
public record AccessToken(String identity, String room, boolean publish, boolean subscribe, Instant expiresAt) {

    /** What the participant may do in the room, for the router. */
    public Grants grants() {
        return new Grants(identity, publish, subscribe);
    }
}
