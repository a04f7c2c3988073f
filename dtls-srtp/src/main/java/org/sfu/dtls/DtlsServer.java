package org.sfu.dtls;

import java.io.IOException;
import java.util.Hashtable;
import java.util.Vector;

import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.UseSRTPData;

/** Bouncy Castle's server peer with the WebRTC rules of {@link HandshakeState}. One per handshake. */
final class DtlsServer extends DefaultTlsServer {
    private final HandshakeState state;

    DtlsServer(HandshakeState state) {
        super(DtlsCertificate.CRYPTO);
        this.state = state;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return HandshakeState.VERSIONS;
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return TlsUtils.getSupportedCipherSuites(getCrypto(), HandshakeState.CIPHER_SUITES);
    }

    @Override
    protected TlsCredentialedSigner getECDSASignerCredentials() throws IOException {
        return state.localCertificate.signer(context);
    }

    /** The default asks for no client certificate, leaving nothing to check against the SDP fingerprint. */
    @Override
    public CertificateRequest getCertificateRequest() {
        short[] types = {ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign};
        Vector<?> signatureAlgorithms = TlsUtils.getDefaultSupportedSignatureAlgorithms(context);
        return new CertificateRequest(types, signatureAlgorithms, null);
    }

    @Override
    public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
        state.checkPeerCertificate(clientCertificate);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public void processClientExtensions(Hashtable clientExtensions) throws IOException {
        super.processClientExtensions(clientExtensions);
        state.chooseAsServer(TlsSRTPUtils.getUseSRTPExtension(clientExtensions));
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Hashtable getServerExtensions() throws IOException {
        Hashtable extensions = super.getServerExtensions();
        // RFC 5764 §4.1.1: exactly one profile, and an empty MKI (we never use one).
        TlsSRTPUtils.addUseSRTPExtension(extensions,
                new UseSRTPData(new int[] {state.profile.id()}, TlsUtils.EMPTY_BYTES));
        return extensions;
    }

    @Override
    public int getHandshakeTimeoutMillis() {
        return HandshakeState.HANDSHAKE_TIMEOUT_MILLIS;
    }

    @Override
    public void notifyAlertReceived(short alertLevel, short alertDescription) {
        state.alertReceived(alertLevel, alertDescription);
    }

    /** Bouncy Castle allows the exporter (RFC 5705) only from here. */
    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        state.keys = state.exportKeys(context);
    }
}
