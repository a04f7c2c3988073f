package org.sfu.srtp;

import org.jitsi.srtp.crypto.Aes;
import org.jitsi.srtp.crypto.JitsiOpenSslProvider;

/**
 * Which AES implementation SRTP uses. Left to itself, jitsi-srtp picks one per cipher with a short micro-benchmark
 * the first time a context needs it, and the winner varies from one start to the next: on the project's machines
 * SunJCE sometimes won for AES-CM, though it allocates about ten times more per packet than OpenSSL
 * (docs/PERFORMANCE.md). The server pins OpenSSL whenever jitsi-srtp's native library loads.
 */
public final class AesImplementation {
    private AesImplementation() {
    }

    /**
     * Pins OpenSSL when available; must run before the first SRTP context is derived. Returns the implementation
     * in use: "OpenSSL", or "jitsi-srtp's choice" when the native library did not load on this platform.
     */
    public static String preferOpenSsl() {
        if (JitsiOpenSslProvider.isLoaded()) {
            Aes.setFactoryClassName("OpenSSL");
            return "OpenSSL";
        }
        return "jitsi-srtp's choice";
    }
}
