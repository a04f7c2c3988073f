package org.sfu.dtls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;

import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.bc.BcECContentSignerBuilder;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.bc.BcDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/**
 * The server's DTLS identity: an ECDSA P-256 key and a self-signed certificate made at start. WebRTC does not
 * use PKI: the peer checks the certificate against the {@code a=fingerprint} in the SDP (RFC 8827 §6.5,
 * RFC 8122). Immutable and shareable between all transports.
 */
public final class DtlsCertificate {
    /** Shared by every DTLS association: BcTlsCrypto and SecureRandom are thread-safe. */
    static final BcTlsCrypto CRYPTO = new BcTlsCrypto(new SecureRandom());

    private static final SignatureAndHashAlgorithm ECDSA_SHA256 =
            new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa);

    private final AsymmetricKeyParameter privateKey;
    private final byte[] der;
    private final Fingerprint fingerprint;

    private DtlsCertificate(AsymmetricKeyParameter privateKey, byte[] der) {
        this.privateKey = privateKey;
        this.der = der;
        this.fingerprint = Fingerprint.of("sha-256", der);
    }

    /** A new P-256 key and a self-signed certificate: random CN, valid from yesterday to 30 days ahead. */
    public static DtlsCertificate generate() {
        SecureRandom random = CRYPTO.getSecureRandom();
        X9ECParameters p256 = ECNamedCurveTable.getByName("P-256");
        ECKeyPairGenerator generator = new ECKeyPairGenerator();
        generator.init(new ECKeyGenerationParameters(
                new ECNamedDomainParameters(SECObjectIdentifiers.secp256r1, p256), random));
        AsymmetricCipherKeyPair keyPair = generator.generateKeyPair();

        byte[] cn = new byte[8];
        random.nextBytes(cn);
        X500Name name = new X500Name("CN=" + HexFormat.of().formatHex(cn));
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
                    name,
                    new BigInteger(63, random),
                    Date.from(now.minus(Duration.ofDays(1))),   // tolerate peers with a slow clock
                    Date.from(now.plus(Duration.ofDays(30))),
                    name,
                    SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(keyPair.getPublic()));
            AlgorithmIdentifier signature = new DefaultSignatureAlgorithmIdentifierFinder().find("SHA256withECDSA");
            AlgorithmIdentifier digest = new DefaultDigestAlgorithmIdentifierFinder().find(signature);
            byte[] der = builder.build(new BcECContentSignerBuilder(signature, digest).build(keyPair.getPrivate()))
                    .getEncoded();
            return new DtlsCertificate(keyPair.getPrivate(), der);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign the DTLS certificate", e);
        }
    }

    /** SHA-256 fingerprint of the DER certificate, for {@code a=fingerprint}. */
    public Fingerprint fingerprint() {
        return fingerprint;
    }

    /** The DER encoding of the certificate (a copy). */
    public byte[] derEncoded() {
        return der.clone();
    }

    /** The credentials Bouncy Castle signs the handshake with, for one connection's context. */
    TlsCredentialedSigner signer(TlsContext context) throws IOException {
        Certificate chain = new Certificate(new TlsCertificate[] {CRYPTO.createCertificate(der)});
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), CRYPTO, privateKey, chain,
                ECDSA_SHA256);
    }
}
