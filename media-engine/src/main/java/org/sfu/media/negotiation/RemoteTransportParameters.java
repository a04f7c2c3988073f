package org.sfu.media.negotiation;

import org.sfu.dtls.DtlsTransport;
import org.sfu.dtls.Fingerprint;

/** What a remote description says about the single bundled transport, and the DTLS role the server takes. */
public record RemoteTransportParameters(String iceUfrag, String icePassword, Fingerprint fingerprint,
                                        DtlsTransport.Role localDtlsRole) {
}
