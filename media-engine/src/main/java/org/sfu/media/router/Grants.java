package org.sfu.media.router;

/**
 * What a participant may do in its room, as its access token said (or everything, in an open room). A participant that
 * may not publish still negotiates and sends, but none of its tracks reaches anyone: the router never offers them. One
 * that may not subscribe gets no consumer, so no m-line, of anyone's tracks. Either way the packet path is untouched:
 * only the consumers that exist change.
 *
 * @param identity  who the participant is, as its application named it (a token's {@code sub}); told to the others
 *                  with its participant id. Null in an open room.
 * @param publish   its tracks may be forwarded to the others
 * @param subscribe it may receive the others' tracks
 */
public record Grants(String identity, boolean publish, boolean subscribe) {

    /** A participant of an open room: no identity, publishes and subscribes. */
    public static final Grants OPEN = new Grants(null, true, true);
}
