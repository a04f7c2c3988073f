package org.sfu.srtp;

import java.util.Arrays;
import java.util.Objects;

/**
 * The SRTP master keys of one DTLS association (RFC 5764 §4.2), already mapped to this side:
 * {@code local*} is what this side protects (sends) with, {@code remote*} what it unprotects (receives) with.
 * The arrays are shared, not copied: treat them as read-only. {@link #toString()} never prints key bytes.
 */
public record SrtpKeyMaterial(SrtpProfile profile, byte[] localKey, byte[] localSalt, byte[] remoteKey,
                              byte[] remoteSalt) {

    public SrtpKeyMaterial {
        Objects.requireNonNull(profile, "profile");
        checkLength("localKey", localKey, profile.keyLength());
        checkLength("remoteKey", remoteKey, profile.keyLength());
        checkLength("localSalt", localSalt, profile.saltLength());
        checkLength("remoteSalt", remoteSalt, profile.saltLength());
    }

    private static void checkLength(String name, byte[] value, int expected) {
        Objects.requireNonNull(value, name);
        if (value.length != expected) {
            throw new IllegalArgumentException(name + " must be " + expected + " bytes, not " + value.length);
        }
    }

    /** Key material as the peer sees it: local and remote swapped. */
    public SrtpKeyMaterial mirrored() {
        return new SrtpKeyMaterial(profile, remoteKey, remoteSalt, localKey, localSalt);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SrtpKeyMaterial k
                && profile == k.profile
                && Arrays.equals(localKey, k.localKey)
                && Arrays.equals(localSalt, k.localSalt)
                && Arrays.equals(remoteKey, k.remoteKey)
                && Arrays.equals(remoteSalt, k.remoteSalt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(profile, Arrays.hashCode(localKey), Arrays.hashCode(remoteKey));
    }

    @Override
    public String toString() {
        return "SrtpKeyMaterial[profile=" + profile + ", keys hidden]";
    }
}
