package org.sfu.dtls;

import java.io.IOException;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ExporterLabel;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.UseSRTPData;
import org.sfu.srtp.SrtpKeyMaterial;
import org.sfu.srtp.SrtpProfile;

/**
 * What the server and client peers share: the WebRTC rules for the handshake (DTLS 1.2, ECDSA suites,
 * {@code use_srtp}, the fingerprint check) and what the handshake found out. Written by the handshake thread,
 * read after the handshake ends.
 */
final class HandshakeState {
    /** RFC 8827 §6.5 requires DTLS 1.2 or later; 1.3 is not offered (RFC 5764's exporter use is 1.2's). */
    static final ProtocolVersion[] VERSIONS = ProtocolVersion.DTLSv12.only();

    /** ECDHE with ECDSA certificates (the key type we generate); GCM first, CBC as fallback for old peers. */
    static final int[] CIPHER_SUITES = {
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
    };

    /** The server's SRTP preference: GCM first (one pass, cheaper than AES-CM + HMAC-SHA1). Clients offer these. */
    static final SrtpProfile[] SRTP_PREFERENCE = {SrtpProfile.AEAD_AES_128_GCM, SrtpProfile.AES_CM_128_HMAC_SHA1_80};

    /**
     * A handshake not done this long after it began fails. The server begins it once ICE has a path, so this is
     * handshake time only: a few round trips, plus Bouncy Castle's retransmissions of a lost flight (1 s, doubling,
     * RFC 6347 §4.2.4.1), three of which fit. A peer that needs longer holds a handshake thread for nothing.
     */
    static final int HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    final DtlsCertificate localCertificate;
    final Fingerprint remoteFingerprint;
    private final AlertListener alerts;

    volatile boolean fingerprintMismatch;
    volatile boolean noSrtpProfile;
    volatile SrtpProfile profile;
    /** Set in notifyHandshakeComplete, the only place Bouncy Castle lets the exporter run. */
    volatile SrtpKeyMaterial keys;

    interface AlertListener {
        void alertReceived(short level, short description);
    }

    HandshakeState(DtlsCertificate localCertificate, Fingerprint remoteFingerprint, AlertListener alerts) {
        this.localCertificate = localCertificate;
        this.remoteFingerprint = remoteFingerprint;
        this.alerts = alerts;
    }

    /** {@code use_srtp} the client sends: every profile we support, in preference order, no MKI. */
    static UseSRTPData clientOffer() {
        int[] ids = new int[SRTP_PREFERENCE.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = SRTP_PREFERENCE[i].id();
        }
        return new UseSRTPData(ids, new byte[0]);
    }

    /** RFC 5764 §4.1.1: the server picks one profile the client offered; ours is the first of our list. */
    void chooseAsServer(UseSRTPData offered) throws IOException {
        if (offered != null) {
            for (SrtpProfile candidate : SRTP_PREFERENCE) {
                for (int id : offered.getProtectionProfiles()) {
                    if (id == candidate.id()) {
                        profile = candidate;
                        return;
                    }
                }
            }
        }
        noSrtpProfile = true;
        throw new TlsFatalAlert(AlertDescription.handshake_failure);
    }

    /** RFC 5764 §4.1.1: the server's answer must be exactly one profile out of those offered. */
    void acceptAsClient(UseSRTPData answer) throws IOException {
        if (answer == null || answer.getProtectionProfiles().length != 1) {
            noSrtpProfile = true;
            throw new TlsFatalAlert(AlertDescription.illegal_parameter);
        }
        int id = answer.getProtectionProfiles()[0];
        for (SrtpProfile candidate : SRTP_PREFERENCE) {
            if (candidate.id() == id) {
                profile = candidate;
                return;
            }
        }
        noSrtpProfile = true;
        throw new TlsFatalAlert(AlertDescription.illegal_parameter);
    }

    /** RFC 8827 §6.5: the peer's end-entity certificate must hash to the fingerprint from its SDP. */
    void checkPeerCertificate(Certificate chain) throws IOException {
        if (chain == null || chain.isEmpty()) {
            fingerprintMismatch = true;
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "peer sent no certificate");
        }
        if (!remoteFingerprint.matches(chain.getCertificateAt(0).getEncoded())) {
            fingerprintMismatch = true;
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "certificate does not match " + remoteFingerprint);
        }
    }

    void alertReceived(short level, short description) {
        alerts.alertReceived(level, description);
    }

    /**
     * RFC 5764 §4.2: the exporter output is client key | server key | client salt | server salt. The client
     * protects with the client halves, the server with the server halves.
     */
    SrtpKeyMaterial exportKeys(TlsContext context) {
        SrtpProfile p = profile;
        int k = p.keyLength();
        int s = p.saltLength();
        byte[] out = context.exportKeyingMaterial(ExporterLabel.dtls_srtp, null, 2 * (k + s));
        byte[] clientKey = slice(out, 0, k);
        byte[] serverKey = slice(out, k, k);
        byte[] clientSalt = slice(out, 2 * k, s);
        byte[] serverSalt = slice(out, 2 * k + s, s);
        java.util.Arrays.fill(out, (byte) 0);
        return context.isServer()
                ? new SrtpKeyMaterial(p, serverKey, serverSalt, clientKey, clientSalt)
                : new SrtpKeyMaterial(p, clientKey, clientSalt, serverKey, serverSalt);
    }

    static boolean endsConnection(short level, short description) {
        return level == AlertLevel.fatal || description == AlertDescription.close_notify;
    }

    private static byte[] slice(byte[] b, int from, int length) {
        byte[] out = new byte[length];
        System.arraycopy(b, from, out, 0, length);
        return out;
    }
}
