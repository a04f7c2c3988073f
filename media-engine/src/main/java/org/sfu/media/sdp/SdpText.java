package org.sfu.media.sdp;

/** Small string checks shared by the SDP value types (package-private). */
final class SdpText {
    private SdpText() {
    }

    static boolean hasLineBreak(String s) {
        return s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0;
    }

    static boolean hasLineBreakOrSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n' || c == ' ' || c == '\t') {
                return true;
            }
        }
        return false;
    }

    static String requireToken(String s, String what) {
        if (s == null || s.isEmpty() || hasLineBreakOrSpace(s)) {
            throw new IllegalArgumentException("invalid " + what + ": " + s);
        }
        return s;
    }

    /** Parses a non-negative decimal int; -1 when not a plain number or above max. */
    static long parseUnsigned(String s, long max) {
        if (s.isEmpty() || s.length() > 19) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
            if (v > max) {
                return -1;
            }
        }
        return v;
    }
}
