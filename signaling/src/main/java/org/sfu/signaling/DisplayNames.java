package org.sfu.signaling;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The display names participants chose for themselves ({@code /ws?name=<display name>}, docs/PROTOCOL.md "Display
 * names"), by client id, so that a session can tell its client who the others in the room are. A display name is a
 * label, not an identity: nobody vouches for it (an access token's {@code sub} is the identity). Thread-safe.
 */
final class DisplayNames {
    /** Longest name, in Unicode code points: a label under a video tile, not a biography. */
    static final int MAX_CODE_POINTS = 64;

    /** A name the server refuses; the message says why, for the client's {@code bad-name} error. */
    static final class BadNameException extends Exception {
        BadNameException(String message) {
            super(message);
        }
    }

    private final Map<String, String> byClientId = new ConcurrentHashMap<>();

    /**
     * The name a client asked for, checked: surrounding white space trimmed, and null when it gave none (or only
     * white space).
     *
     * @throws BadNameException when it is longer than {@link #MAX_CODE_POINTS}, or holds a control character (which
     *                          would break the lines of a log or a UI) or a bidirectional override or isolate (which
     *                          would make a name display as different text, Unicode TR #36 §2.1), or a lone surrogate
     */
    static String check(String requested) throws BadNameException {
        if (requested == null) {
            return null;
        }
        String name = requested.strip();
        if (name.isEmpty()) {
            return null;
        }
        if (name.codePointCount(0, name.length()) > MAX_CODE_POINTS) {
            throw new BadNameException("a display name is at most " + MAX_CODE_POINTS + " characters");
        }
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                    || type == Character.SURROGATE || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) {
                throw new BadNameException(String.format(
                        "a display name may not contain control or bidirectional formatting characters (U+%04X)", c));
            }
            i += Character.charCount(c);
        }
        return name;
    }

    /** Records the name of a participant about to join; a null name records nothing. */
    void put(String clientId, String name) {
        if (name != null) {
            byClientId.put(clientId, name);
        }
    }

    /** The participant's display name, or null when it chose none or has left. */
    String of(String clientId) {
        return byClientId.get(clientId);
    }

    void remove(String clientId) {
        byClientId.remove(clientId);
    }
}
