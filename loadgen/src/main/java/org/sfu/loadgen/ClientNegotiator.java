package org.sfu.loadgen;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sfu.dtls.Fingerprint;
import org.sfu.ice.IceCandidate;
import org.sfu.media.sdp.Attribute;
import org.sfu.media.sdp.Direction;
import org.sfu.media.sdp.Extmap;
import org.sfu.media.sdp.MediaDescription;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.media.sdp.SessionDescription;

/**
 * The client's half of the offer/answer exchange with the server (JSEP, RFC 8829), as a browser with one camera and
 * one microphone would play it: it offers one audio (Opus) and one video (VP8 with RTX) m-line, sendrecv, BUNDLEd with
 * rtcp-mux, and answers every offer of the server: sendonly on the m-lines that carry its own tracks, recvonly on the
 * ones that carry other participants' tracks (docs/PROTOCOL.md).
 *
 * <p>Offer collisions (docs/PROTOCOL.md, "the server's offer wins"): an offer from the server that arrives while this
 * client's own offer is outstanding rolls the client's offer back (RFC 8829 §4.1.8.2) and is answered; the server then
 * drops the client's held offer. If that happened to the first offer, the client's tracks go on the m-lines the server
 * offered to receive on ({@code recvonly}), as the server intends for clients that never offer.
 *
 * <p>Public for the Janus participant ({@code org.sfu.loadgen.janus}), which plays the same browser. Not
 * thread-safe: the participant calls it from its signaling connection's event loop only.
 */
public final class ClientNegotiator {
    static final String PROTOCOL = "UDP/TLS/RTP/SAVPF";
    static final int OPUS_PAYLOAD_TYPE = 111;
    static final int VP8_PAYLOAD_TYPE = 96;
    static final int VP8_RTX_PAYLOAD_TYPE = 97;
    /** Chromium's extension ids, which the server also uses by default (RFC 8285). */
    static final int AUDIO_LEVEL_ID = 1;
    static final int TRANSPORT_CC_ID = 3;
    static final String AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
    static final String TRANSPORT_CC_URI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

    /** This client's ICE and DTLS identity and its two tracks' SSRCs (RFC 5576 a=ssrc). */
    public record Local(String iceUfrag, String icePassword, Fingerprint fingerprint, List<IceCandidate> candidates,
                 String streamId, long audioSsrc, long videoSsrc, long videoRtxSsrc) {
    }

    /**
     * What the server's description says about its transport (RFC 8843 §7.2: from the first accepted m-line);
     * {@code setup} is its a=setup value (RFC 8842 §5.2), null if absent.
     */
    public record RemoteTransport(String iceUfrag, String icePassword, Fingerprint fingerprint, List<String> candidates,
                           String setup) {
    }

    /** An answer to the server's offer, and whether the client's own offer had to be rolled back for it. */
    public record Answer(String sdp, RemoteTransport transport, boolean rolledBack) {
    }

    private final Local local;
    private final long sessionId = new SecureRandom().nextLong() & Long.MAX_VALUE;
    private long sessionVersion = 1;
    /** Kind → mid of the m-line that carries the client's own track of that kind, once negotiated. */
    private final Map<String, String> sendingMids = new HashMap<>();
    private boolean offerOutstanding;

    public ClientNegotiator(Local local) {
        this.local = local;
    }

    /** The first offer: audio on mid 0, video on mid 1, both sendrecv; the DTLS role is left to the server. */
    public String createOffer() {
        offerOutstanding = true;
        List<MediaDescription> media = List.of(
                section("audio", "0", audioCodecs(), List.of(new Extmap(AUDIO_LEVEL_ID, AUDIO_LEVEL_URI),
                        new Extmap(TRANSPORT_CC_ID, TRANSPORT_CC_URI)), Direction.SENDRECV, "actpass", true),
                section("video", "1", videoCodecs(), List.of(new Extmap(TRANSPORT_CC_ID, TRANSPORT_CC_URI)),
                        Direction.SENDRECV, "actpass", true));
        return describe(media);
    }

    /** The server's answer to the outstanding offer. */
    public RemoteTransport onAnswer(String sdp) {
        if (!offerOutstanding) {
            throw new IllegalStateException("an answer arrived but no offer of ours is outstanding");
        }
        SessionDescription answer = SessionDescription.parse(sdp);
        offerOutstanding = false;
        sendingMids.put("audio", "0");
        sendingMids.put("video", "1");
        return transportOf(answer);
    }

    /** An offer from the server: roll back ours if one is outstanding, then answer every m-line. */
    public Answer onOffer(String sdp) {
        SessionDescription offer = SessionDescription.parse(sdp);
        boolean rolledBack = offerOutstanding;
        offerOutstanding = false;
        List<MediaDescription> media = new ArrayList<>();
        for (MediaDescription m : offer.media()) {
            media.add(answerSection(offer, m));
        }
        return new Answer(describe(media), transportOf(offer), rolledBack);
    }

    private MediaDescription answerSection(SessionDescription offer, MediaDescription m) {
        String mid = m.mid();
        if (m.isRejected() || mid == null) {
            // RFC 3264 §6: a rejected m-line stays rejected, port 0, same formats.
            List<Attribute> a = new ArrayList<>();
            if (mid != null) {
                a.add(new Attribute("mid", mid));
            }
            a.add(Attribute.flag("inactive"));
            return new MediaDescription(m.kind(), 0, m.protocol(), m.formats(), "IN IP4 0.0.0.0", a);
        }
        Direction offered = offer.direction(m);
        Direction answered;
        boolean sending = false;
        if (mid.equals(sendingMids.get(m.kind()))) {
            sending = offered.receives();
            answered = sending ? (offered.sends() ? Direction.SENDRECV : Direction.SENDONLY) : Direction.INACTIVE;
        } else if (offered == Direction.RECVONLY && !sendingMids.containsKey(m.kind())) {
            // The server offers to receive our track of this kind here (its first offer to a client that never
            // offered, or whose offer it never saw): send on it.
            sendingMids.put(m.kind(), mid);
            sending = true;
            answered = Direction.SENDONLY;
        } else {
            answered = offered.sends() ? Direction.RECVONLY : Direction.INACTIVE;
        }
        // RFC 8285 §6: an answer keeps only extensions the offer had, with the offer's ids.
        List<Extmap> extmaps = new ArrayList<>();
        for (Extmap e : m.extmaps()) {
            if (e.uri().equals(AUDIO_LEVEL_URI) || e.uri().equals(TRANSPORT_CC_URI)) {
                extmaps.add(new Extmap(e.id(), e.uri()));
            }
        }
        return section(m.kind(), mid, m.codecs(), extmaps, answered, "active", sending);
    }

    private MediaDescription section(String kind, String mid, List<RtpCodec> codecs, List<Extmap> extmaps,
                                     Direction direction, String setup, boolean sending) {
        List<Attribute> a = new ArrayList<>();
        a.add(new Attribute("ice-ufrag", local.iceUfrag()));
        a.add(new Attribute("ice-pwd", local.icePassword()));
        a.add(new Attribute("fingerprint", local.fingerprint().toSdpValue()));
        a.add(new Attribute("setup", setup));
        a.add(new Attribute("mid", mid));
        for (Extmap e : extmaps) {
            a.add(e.toAttribute());
        }
        a.add(Attribute.flag(direction.sdpName()));
        String trackId = local.streamId() + "-" + kind;
        if (sending) {
            a.add(new Attribute("msid", local.streamId() + " " + trackId));
        }
        a.add(Attribute.flag("rtcp-mux"));
        a.add(Attribute.flag("rtcp-rsize"));
        List<String> formats = new ArrayList<>();
        for (RtpCodec c : codecs) {
            formats.add(Integer.toString(c.payloadType()));
            a.addAll(c.toAttributes());
        }
        if (sending) {
            long ssrc = kind.equals("audio") ? local.audioSsrc() : local.videoSsrc();
            if (kind.equals("video")) {
                // RFC 5576 §4.2, RFC 4588 §8.6: the retransmission stream is tied to the media stream by FID.
                a.add(new Attribute("ssrc-group", "FID " + ssrc + " " + local.videoRtxSsrc()));
            }
            a.add(new Attribute("ssrc", ssrc + " cname:" + local.streamId()));
            a.add(new Attribute("ssrc", ssrc + " msid:" + local.streamId() + " " + trackId));
            if (kind.equals("video")) {
                a.add(new Attribute("ssrc", local.videoRtxSsrc() + " cname:" + local.streamId()));
                a.add(new Attribute("ssrc", local.videoRtxSsrc() + " msid:" + local.streamId() + " " + trackId));
            }
        }
        for (IceCandidate c : local.candidates()) {
            a.add(new Attribute("candidate", c.toSdpValue().substring("candidate:".length())));
        }
        a.add(Attribute.flag("end-of-candidates"));
        return new MediaDescription(kind, 9, PROTOCOL, formats, "IN IP4 0.0.0.0", a);
    }

    private String describe(List<MediaDescription> media) {
        List<String> bundle = new ArrayList<>();
        for (MediaDescription m : media) {
            if (!m.isRejected()) {
                bundle.add(m.mid());
            }
        }
        List<Attribute> session = new ArrayList<>();
        if (!bundle.isEmpty()) {
            session.add(new Attribute("group", "BUNDLE " + String.join(" ", bundle)));
        }
        session.add(new Attribute("msid-semantic", " WMS " + local.streamId()));
        String origin = "- " + sessionId + " " + (sessionVersion++) + " IN IP4 127.0.0.1";
        return new SessionDescription(origin, "-", session, media).toSdp();
    }

    private static RemoteTransport transportOf(SessionDescription d) {
        MediaDescription m = d.transportMedia();
        if (m == null) {
            throw new IllegalArgumentException("no accepted m-line with ICE credentials and a fingerprint");
        }
        return new RemoteTransport(d.iceUfrag(m), d.icePwd(m), Fingerprint.parse(d.fingerprint(m)),
                m.attributes("candidate"), d.setup(m));
    }

    static List<RtpCodec> audioCodecs() {
        Map<String, String> fmtp = new LinkedHashMap<>();
        fmtp.put("minptime", "10");
        fmtp.put("useinbandfec", "1");
        return List.of(new RtpCodec(OPUS_PAYLOAD_TYPE, "opus", 48000, 2, fmtp, List.of("transport-cc")));
    }

    static List<RtpCodec> videoCodecs() {
        return List.of(
                new RtpCodec(VP8_PAYLOAD_TYPE, "VP8", 90000, 1, Map.of(),
                        List.of("transport-cc", "ccm fir", "nack", "nack pli")),
                new RtpCodec(VP8_RTX_PAYLOAD_TYPE, "rtx", 90000, 1, Map.of("apt", Integer.toString(VP8_PAYLOAD_TYPE)),
                        List.of()));
    }
}
