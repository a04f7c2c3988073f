package org.sfu.dtls;

import java.io.IOException;
import java.util.Hashtable;

import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsUtils;

/** Bouncy Castle's client peer with the WebRTC rules of {@link HandshakeState} (tests, load generation). */
final class DtlsClient extends DefaultTlsClient {
    private final HandshakeState state;

    DtlsClient(HandshakeState state) {
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
    @SuppressWarnings({"rawtypes", "unchecked"})
    public Hashtable getClientExtensions() throws IOException {
        Hashtable extensions = super.getClientExtensions();
        TlsSRTPUtils.addUseSRTPExtension(extensions, HandshakeState.clientOffer());
        return extensions;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public void processServerExtensions(Hashtable serverExtensions) throws IOException {
        super.processServerExtensions(serverExtensions);
        state.acceptAsClient(TlsSRTPUtils.getUseSRTPExtension(serverExtensions));
    }

    @Override
    public TlsAuthentication getAuthentication() {
        return new TlsAuthentication() {
            @Override
            public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                state.checkPeerCertificate(serverCertificate.getCertificate());
            }

            @Override
            public TlsCredentials getClientCredentials(CertificateRequest certificateRequest) throws IOException {
                return state.localCertificate.signer(context);
            }
        };
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
