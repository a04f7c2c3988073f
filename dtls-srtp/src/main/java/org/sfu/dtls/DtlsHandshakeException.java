package org.sfu.dtls;

import java.io.IOException;

/** Why a DTLS handshake did not produce keys. For every reason the association is over. */
public final class DtlsHandshakeException extends IOException {
    public enum Reason {
        /** The peer's certificate does not hash to the SDP fingerprint (RFC 8827 §6.5): end the session. */
        FINGERPRINT_MISMATCH,
        /** No SRTP protection profile in common, or no {@code use_srtp} at all (RFC 5764 §4.1.2). */
        NO_SRTP_PROFILE,
        /** The handshake did not finish within the time limit. */
        TIMEOUT,
        /** The peer sent a fatal alert. */
        ALERT_RECEIVED,
        /** {@link DtlsTransport#close()} was called first. */
        CLOSED,
        /** Anything else: a protocol error detected here, an I/O failure. */
        FAILED
    }

    private final Reason reason;

    DtlsHandshakeException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
