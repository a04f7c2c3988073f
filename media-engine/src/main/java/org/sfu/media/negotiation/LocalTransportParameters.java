package org.sfu.media.negotiation;

import java.util.List;
import org.sfu.dtls.Fingerprint;
import org.sfu.ice.IceCandidate;

/** The server's side of a participant's transport, written into every m-line of its descriptions. */
public record LocalTransportParameters(String iceUfrag, String icePassword, Fingerprint fingerprint,
                                       List<IceCandidate> candidates) {
}
