package org.sfu.media.negotiation;

import java.util.List;
import org.sfu.dtls.DtlsTransport;
import org.sfu.dtls.Fingerprint;

/**
 * What a remote description says about the single bundled transport, and the DTLS role the server takes.
 *
 * @param candidates the a=candidate values of the bundle's m-line (clients that do not trickle put them here)
 */
public record RemoteTransportParameters(String iceUfrag, String icePassword, Fingerprint fingerprint,
                                        DtlsTransport.Role localDtlsRole, List<String> candidates) {
    public RemoteTransportParameters {
        candidates = List.copyOf(candidates);
    }
}
