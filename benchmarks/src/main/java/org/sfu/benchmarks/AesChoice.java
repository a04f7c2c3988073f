package org.sfu.benchmarks;


import org.jitsi.srtp.crypto.Aes;
import org.sfu.srtp.SrtpProfile;

/**
 * Which AES implementation jitsi-srtp uses. Left alone ({@link #AUTO}, as the server does today), jitsi-srtp picks
 * one per cipher transformation with a short micro-benchmark the first time a context needs it, so the pick can
 * differ from one JVM start to the next; a benchmark can force one to compare them side by side.
 */
final class AesChoice {
    /** Let jitsi-srtp pick, as the server does. */
    static final String AUTO = "auto";

    private AesChoice() {
    }

    /** Must run before the first SRTP context of the JVM is derived. */
    static void apply(String factory) {
        if (!AUTO.equals(factory)) {
            Aes.setFactoryClassName(factory);
        }
    }

    /**
     * Prints the provider behind the profile's cipher, once a context has been derived (jitsi-srtp caches its pick
     * per transformation, so asking does not start another pick). JMH copies it into the run's output.
     */
    static void report(SrtpProfile profile, String requested) {
        String transformation = switch (profile) {
            case AES_CM_128_HMAC_SHA1_80 -> "AES/CTR/NoPadding";
            case AEAD_AES_128_GCM -> "AES/GCM/NoPadding";
        };
        String provider;
        try {
            provider = Aes.createCipher(transformation).getProvider().getName();
        } catch (RuntimeException e) {
            provider = "unknown (" + e + ")";
        }
        System.out.println("[setup] jitsi-srtp AES for " + transformation + " (aesFactory=" + requested + "): " + provider);
    }
}
