package org.sfu.media.negotiation;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sfu.dtls.DtlsTransport;
import org.sfu.dtls.Fingerprint;
import org.sfu.ice.IceCandidate;
import org.sfu.media.sdp.Attribute;
import org.sfu.media.sdp.Direction;
import org.sfu.media.sdp.Extmap;
import org.sfu.media.sdp.MediaDescription;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.media.sdp.SessionDescription;
import org.sfu.media.sdp.SsrcGroup;

/**
 * The server's half of one participant's offer/answer exchange (RFC 3264, JSEP RFC 8829), with everything on one
 * bundled transport (RFC 8843). The server is the remote peer of every participant:
 * <ul>
 *   <li>m-lines the participant sends on carry its own tracks to the server (upstream; the server answers
 *       {@code recvonly});</li>
 *   <li>every other participant's track reaches it on an m-line of its own that the server adds in an offer
 *       (downstream; {@code sendonly}, with {@code a=msid} and {@code a=ssrc} so the browser can demultiplex it);</li>
 *   <li>when the server makes the first offer (the participant never offered), it adds one {@code recvonly} audio
 *       and one video m-line so that the participant's camera and microphone can still reach the server.</li>
 * </ul>
 * Not thread-safe: its owner serialises calls.
 */
public final class Negotiator {

    /** What the server does with one m-line. */
    enum Role { UPSTREAM, DOWNSTREAM }

    /** The server's view of one m-line of this participant's session. Mutable while a description is built. */
    private static final class Section {
        final String mid;
        final String kind;
        final String protocol;
        final Role role;
        List<RtpCodec> codecs;
        List<Extmap> extmaps = List.of();
        List<String> rejectedFormats = List.of();
        boolean rejected;
        DownstreamTrack track;
        /** Upstream only: the rids the participant sends as simulcast layers on this m-line (RFC 8853), lowest first. */
        List<String> simulcastRids = List.of();

        Section(String mid, String kind, String protocol, Role role, List<RtpCodec> codecs) {
            this.mid = mid;
            this.kind = kind;
            this.protocol = protocol;
            this.role = role;
            this.codecs = codecs;
        }

        Section copy() {
            Section s = new Section(mid, kind, protocol, role, codecs);
            s.extmaps = extmaps;
            s.rejectedFormats = rejectedFormats;
            s.rejected = rejected;
            s.track = track;
            s.simulcastRids = simulcastRids;
            return s;
        }
    }

    /** The outcome of applying a remote description. {@code answerSdp} is null when the description was an answer. */
    public record Result(String answerSdp, RemoteTransportParameters transport, List<UpstreamTrack> upstream) {
    }

    private static final String RTP_PROTOCOL = "UDP/TLS/RTP/SAVPF";
    private static final int MAX_SECTIONS = 64;
    /** Simulcast layers the server takes of one track; an offer of more gets the lowest ones (RFC 8853 §5.3). */
    public static final int MAX_SIMULCAST_LAYERS = 3;

    /**
     * Restarts the server's side of ICE for new remote credentials (RFC 8445 §9) and returns the server's new local
     * parameters, which the answer then carries (RFC 8839 §4.4.1.1.1: the answerer changes its credentials too).
     */
    @FunctionalInterface
    public interface IceRestart {
        LocalTransportParameters restart(RemoteTransportParameters remote) throws NegotiationException;
    }

    private LocalTransportParameters local;
    private final IceRestart iceRestart;
    /** The peer's ICE credentials as last negotiated; null before the first exchange. */
    private String remoteIceUfrag;
    private String remoteIcePassword;
    private final long sessionId;
    private long sessionVersion = 1;
    private List<Section> sections = new ArrayList<>();
    /** The m-lines of the server's outstanding offer; null in the stable state. */
    private List<Section> proposed;
    private DtlsTransport.Role dtlsRole;
    private boolean remoteOffered;
    /** The server's ICE role, from who made the first offer; null before any offer. */
    private Boolean iceControlling;

    /** A negotiator that refuses ICE restarts. */
    public Negotiator(LocalTransportParameters local) {
        this(local, remote -> {
            throw new NegotiationException("ICE restart is not supported here");
        });
    }

    public Negotiator(LocalTransportParameters local, IceRestart iceRestart) {
        this.local = local;
        this.iceRestart = iceRestart;
        this.sessionId = new SecureRandom().nextLong() & Long.MAX_VALUE;
    }

    /** True while the server's own offer waits for its answer (signaling state "have-local-offer"). */
    public boolean hasLocalOffer() {
        return proposed != null;
    }

    /** True once one offer/answer exchange has completed. */
    public boolean isNegotiated() {
        return !sections.isEmpty();
    }

    /** True once the participant has made an offer of its own at least once. */
    public boolean remoteOffered() {
        return remoteOffered;
    }

    /**
     * The server's ICE role (RFC 8445 §6.1.1): controlling when its offer opened the session, controlled when the
     * participant's did; null before any offer. Known from the moment the first offer is made or received, before the
     * participant can send its first check; a withdrawn first offer gives way to the participant's.
     */
    public Boolean iceControlling() {
        return iceControlling;
    }

    /** The mid of the m-line that carries the bundle's transport (the first accepted one), or null. */
    public String bundleTag() {
        for (Section s : sections) {
            if (!s.rejected) {
                return s.mid;
            }
        }
        return null;
    }

    /**
     * Applies the participant's offer and returns the server's answer. The signaling state must be stable: the caller
     * resolves offer collisions before this.
     */
    public Result receiveOffer(String sdp, List<DownstreamTrack> downstream) throws NegotiationException {
        if (proposed != null) {
            throw new IllegalStateException("offer received in have-local-offer");
        }
        SessionDescription offer = parse(sdp);
        List<MediaDescription> media = offer.media();
        if (media.isEmpty()) {
            throw new NegotiationException("the offer has no m-lines");
        }
        if (media.size() < sections.size()) {
            // RFC 8829 §5.2.2: m-lines are never removed from a session, only rejected or recycled.
            throw new NegotiationException("the offer has " + media.size() + " m-lines, the session already has "
                    + sections.size());
        }
        if (media.size() > MAX_SECTIONS) {
            throw new NegotiationException("the offer has more than " + MAX_SECTIONS + " m-lines");
        }
        RemoteTransportParameters transport = transportOf(offer, true);
        Set<String> downstreamIds = new HashSet<>();
        for (DownstreamTrack t : downstream) {
            downstreamIds.add(t.id());
        }

        List<Section> next = new ArrayList<>();
        List<UpstreamTrack> upstream = new ArrayList<>();
        List<Direction> answerDirections = new ArrayList<>();
        Set<String> mids = new HashSet<>();
        for (int i = 0; i < media.size(); i++) {
            MediaDescription m = media.get(i);
            String mid = m.mid();
            if (mid == null || mid.isEmpty()) {
                throw new NegotiationException("m-line " + i + " has no a=mid (RFC 8843 requires one)");
            }
            if (!mids.add(mid)) {
                throw new NegotiationException("mid " + mid + " appears twice");
            }
            Section s;
            if (i < sections.size()) {
                s = sections.get(i).copy();
                if (!s.mid.equals(mid) || !s.kind.equals(m.kind())) {
                    throw new NegotiationException("m-line " + i + " was " + s.kind + " mid " + s.mid
                            + ", the offer has " + m.kind() + " mid " + mid);
                }
            } else {
                s = new Section(mid, m.kind(), m.protocol(), Role.UPSTREAM, List.of());
            }
            next.add(s);
            List<RtpCodec> accepted = isRtp(m) ? SupportedCodecs.accept(m.kind(), m.codecs()) : List.of();
            if (m.isRejected() || accepted.isEmpty()) {
                s.rejected = true;
                s.rejectedFormats = m.formats();
                s.track = null;
                answerDirections.add(Direction.INACTIVE);
                continue;
            }
            s.rejected = false;
            s.codecs = accepted;
            Direction remote = m.direction();
            List<UpstreamTrack.Layer> layers = s.role == Role.UPSTREAM
                    && (remote == Direction.SENDRECV || remote == Direction.SENDONLY)
                    ? simulcastLayers(m, null) : List.of();
            s.simulcastRids = ridsOf(layers);
            s.extmaps = acceptedExtensions(s.role, s.kind, m.extmaps(), !layers.isEmpty());
            if (s.role == Role.DOWNSTREAM) {
                if (s.track != null && !downstreamIds.contains(s.track.id())) {
                    s.track = null;
                }
                boolean receives = remote == Direction.RECVONLY || remote == Direction.SENDRECV;
                answerDirections.add(s.track != null && receives ? Direction.SENDONLY : Direction.INACTIVE);
            } else if (remote == Direction.SENDRECV || remote == Direction.SENDONLY) {
                upstream.add(new UpstreamTrack(mid, s.kind, layers.isEmpty() ? primarySsrc(m) : layers.get(0).ssrc(),
                        layers.isEmpty() ? rtxSsrc(m) : layers.get(0).rtxSsrc(), accepted, layers));
                answerDirections.add(Direction.RECVONLY);
            } else {
                answerDirections.add(Direction.INACTIVE);
            }
        }
        if (transport == null) {
            throw new NegotiationException("the offer has no accepted m-line with ICE credentials and a fingerprint");
        }
        if (dtlsRole == null) {
            dtlsRole = transport.localDtlsRole();
        }
        if (sections.isEmpty()) {
            iceControlling = false;
        }
        if (changesIceCredentials(transport)) {
            local = iceRestart.restart(withRole(transport));
        }
        remoteIceUfrag = transport.iceUfrag();
        remoteIcePassword = transport.icePassword();
        sections = next;
        remoteOffered = true;
        String answer = write(next, answerDirections, setupValue(false));
        return new Result(answer, withRole(transport), List.copyOf(upstream));
    }

    /**
     * True when the server should offer: the m-lines would carry other downstream tracks than they do (a track that
     * has none yet and can get one, or an m-line whose track is gone), or the participant has never negotiated (the
     * server then offers the m-lines it may send on). Tracks that do not fit the session's {@value #MAX_SECTIONS}
     * m-lines do not count: offering again would only repeat the same offer.
     */
    public boolean needsOffer(List<DownstreamTrack> downstream) {
        if (proposed != null) {
            return false;
        }
        if (sections.isEmpty()) {
            return true;
        }
        return !boundTracks(plan(downstream)).equals(boundTracks(sections));
    }

    /** True while the server's outstanding offer carries what an offer made now would (see {@link #needsOffer}). */
    public boolean offerCovers(List<DownstreamTrack> downstream) {
        return proposed != null && boundTracks(proposed).equals(boundTracks(plan(downstream)));
    }

    /** The downstream tracks an offer made now could not carry: the session has its maximum of m-lines. */
    public int tracksLeftOut(List<DownstreamTrack> downstream) {
        return downstream.size() - boundTracks(plan(downstream)).size();
    }

    /** Builds the server's offer for the given downstream tracks and enters have-local-offer. */
    public String createOffer(List<DownstreamTrack> downstream) {
        if (proposed != null) {
            throw new IllegalStateException("an offer is already outstanding");
        }
        if (sections.isEmpty()) {
            iceControlling = true;
        }
        List<Section> next = plan(downstream);
        List<Direction> directions = new ArrayList<>();
        for (Section s : next) {
            if (s.rejected) {
                directions.add(Direction.INACTIVE);
            } else if (s.role == Role.UPSTREAM) {
                directions.add(Direction.RECVONLY);
            } else {
                directions.add(s.track != null ? Direction.SENDONLY : Direction.INACTIVE);
            }
        }
        proposed = next;
        return write(next, directions, setupValue(true));
    }

    /**
     * The m-lines an offer for these downstream tracks would have, from the last completed exchange; the session is
     * not changed. Tracks keep their m-lines; a new track takes an m-line left inactive, else a new one while the
     * session has fewer than {@value #MAX_SECTIONS}; the rest are left out.
     */
    private List<Section> plan(List<DownstreamTrack> downstream) {
        List<Section> next = new ArrayList<>();
        Set<String> wanted = new HashSet<>();
        for (DownstreamTrack t : downstream) {
            wanted.add(t.id());
        }
        Set<String> bound = new HashSet<>();
        Set<String> usedMids = new HashSet<>();
        for (Section s : sections) {
            Section c = s.copy();
            if (c.role == Role.DOWNSTREAM && c.track != null) {
                if (wanted.contains(c.track.id()) && !c.rejected) {
                    bound.add(c.track.id());
                } else {
                    c.track = null;
                }
            }
            usedMids.add(c.mid);
            next.add(c);
        }
        if (sections.isEmpty()) {
            // The participant never offered: give it m-lines it can send its camera and microphone on.
            for (String kind : List.of("audio", "video")) {
                Section s = new Section(nextMid(usedMids), kind, RTP_PROTOCOL, Role.UPSTREAM, sessionCodecs(kind, next));
                s.extmaps = offeredExtensions(SupportedCodecs.upstreamExtensions(kind), next);
                next.add(s);
            }
        }
        for (DownstreamTrack t : downstream) {
            if (bound.contains(t.id())) {
                continue;
            }
            Section reusable = reusableSection(next, t.kind());
            if (reusable != null) {
                reusable.track = t;
                continue;
            }
            if (next.size() >= MAX_SECTIONS) {
                continue;
            }
            Section s = new Section(nextMid(usedMids), t.kind(), RTP_PROTOCOL, Role.DOWNSTREAM,
                    sessionCodecs(t.kind(), next));
            s.track = t;
            s.extmaps = offeredExtensions(SupportedCodecs.downstreamExtensions(t.kind()), next);
            next.add(s);
        }
        return next;
    }

    /** The ids of the downstream tracks these m-lines carry. */
    private static Set<String> boundTracks(List<Section> list) {
        Set<String> bound = new HashSet<>();
        for (Section s : list) {
            if (s.role == Role.DOWNSTREAM && s.track != null && !s.rejected) {
                bound.add(s.track.id());
            }
        }
        return bound;
    }

    /**
     * A downstream m-line of this kind that the last completed exchange left inactive (its track went away): it is
     * given to a new track instead of adding an m-line, so a session does not grow as participants come and go
     * (RFC 8829 §5.2.2 lets an offer change an m-line's direction and msid). An m-line freed in this very offer is
     * not reused before the participant has seen it inactive.
     */
    private Section reusableSection(List<Section> next, String kind) {
        for (int i = 0; i < sections.size(); i++) {
            Section committed = sections.get(i);
            Section candidate = next.get(i);
            if (committed.role == Role.DOWNSTREAM && !committed.rejected && committed.track == null
                    && committed.kind.equals(kind) && candidate.track == null) {
                return candidate;
            }
        }
        return null;
    }

    /** Withdraws the outstanding offer (JSEP rollback, RFC 8829 §4.1.8.2). */
    public void rollback() {
        proposed = null;
    }

    /** Applies the participant's answer to the server's outstanding offer. */
    public Result receiveAnswer(String sdp) throws NegotiationException {
        if (proposed == null) {
            throw new NegotiationException("an answer arrived but the server has no outstanding offer");
        }
        SessionDescription answer = parse(sdp);
        List<MediaDescription> media = answer.media();
        if (media.size() != proposed.size()) {
            throw new NegotiationException("the answer has " + media.size() + " m-lines, the offer had "
                    + proposed.size());
        }
        RemoteTransportParameters transport = transportOf(answer, false);
        if (transport == null) {
            throw new NegotiationException("the answer has no accepted m-line with ICE credentials and a fingerprint");
        }
        // Work on copies: a refused answer must leave the outstanding offer exactly as it was.
        List<Section> next = new ArrayList<>();
        for (Section s : proposed) {
            next.add(s.copy());
        }
        List<UpstreamTrack> upstream = new ArrayList<>();
        for (int i = 0; i < media.size(); i++) {
            MediaDescription m = media.get(i);
            Section s = next.get(i);
            if (m.mid() != null && !m.mid().equals(s.mid)) {
                throw new NegotiationException("answer m-line " + i + " has mid " + m.mid() + ", expected " + s.mid);
            }
            if (s.rejected) {
                continue;
            }
            List<RtpCodec> accepted = isRtp(m) ? SupportedCodecs.accept(s.kind, m.codecs()) : List.of();
            if (m.isRejected() || accepted.isEmpty()) {
                s.rejected = true;
                s.rejectedFormats = m.formats();
                s.track = null;
                continue;
            }
            s.codecs = accepted;
            {
                // RFC 8285 §6: an answer may only keep extensions the offer had, with the offer's ids.
                List<Extmap> kept = new ArrayList<>();
                for (Extmap answered : m.extmaps()) {
                    for (Extmap offered : s.extmaps) {
                        if (offered.id() == answered.id() && offered.uri().equals(answered.uri())) {
                            kept.add(offered);
                        }
                    }
                }
                s.extmaps = List.copyOf(kept);
            }
            Direction remote = m.direction();
            if (s.role == Role.UPSTREAM && (remote == Direction.SENDONLY || remote == Direction.SENDRECV)) {
                // The participant answers the server's offer: it may keep the simulcast the server offered to
                // receive (the rids the server repeated from an earlier exchange), or fewer of its layers.
                List<UpstreamTrack.Layer> layers = simulcastLayers(m, s.simulcastRids);
                s.simulcastRids = ridsOf(layers);
                upstream.add(new UpstreamTrack(s.mid, s.kind, layers.isEmpty() ? primarySsrc(m) : layers.get(0).ssrc(),
                        layers.isEmpty() ? rtxSsrc(m) : layers.get(0).rtxSsrc(), accepted, layers));
            } else if (s.role == Role.UPSTREAM) {
                s.simulcastRids = List.of();
            }
        }
        if (changesIceCredentials(transport)) {
            // RFC 8839 §4.4.1.1.2: only an offer restarts ICE; the server's offer did not.
            throw new NegotiationException("the answer changes the ICE credentials, but the offer did not restart ICE");
        }
        // The first answer settles the DTLS role (RFC 5763 §5). An answer to a re-offer keeps the association: a
        // peer that names the other role still talks to the same DTLS endpoint, which keeps its role and keys.
        if (dtlsRole == null) {
            dtlsRole = transport.localDtlsRole();
        }
        remoteIceUfrag = transport.iceUfrag();
        remoteIcePassword = transport.icePassword();
        sections = next;
        proposed = null;
        return new Result(null, withRole(transport), List.copyOf(upstream));
    }

    /** RFC 8839 §4.4.1.1.1: a new ufrag or pwd in a description means an ICE restart. */
    private boolean changesIceCredentials(RemoteTransportParameters t) {
        return remoteIceUfrag != null
                && !(remoteIceUfrag.equals(t.iceUfrag()) && remoteIcePassword.equals(t.icePassword()));
    }

    private RemoteTransportParameters withRole(RemoteTransportParameters t) {
        return new RemoteTransportParameters(t.iceUfrag(), t.icePassword(), t.fingerprint(), dtlsRole, t.candidates());
    }

    private static SessionDescription parse(String sdp) throws NegotiationException {
        if (sdp == null || sdp.isBlank()) {
            throw new NegotiationException("the description has no SDP");
        }
        try {
            return SessionDescription.parse(sdp);
        } catch (IllegalArgumentException e) {
            throw new NegotiationException("malformed SDP: " + e.getMessage(), e);
        }
    }

    /**
     * The bundled transport's parameters come from the first accepted m-line (RFC 8843 §7.2); the DTLS role follows
     * RFC 5763 §5: an offer's actpass or active makes the server passive (the DTLS server); an answer's active makes
     * the server the DTLS server, passive makes it the client.
     */
    private static RemoteTransportParameters transportOf(SessionDescription d, boolean isOffer)
            throws NegotiationException {
        MediaDescription m = d.transportMedia();
        if (m == null) {
            return null;
        }
        Fingerprint fp;
        try {
            fp = Fingerprint.parse(d.fingerprint(m));
        } catch (IllegalArgumentException e) {
            throw new NegotiationException("bad a=fingerprint: " + e.getMessage(), e);
        }
        String setup = d.setup(m);
        DtlsTransport.Role role;
        if (isOffer) {
            role = "passive".equals(setup) ? DtlsTransport.Role.CLIENT : DtlsTransport.Role.SERVER;
        } else if (setup == null || "active".equals(setup)) {
            role = DtlsTransport.Role.SERVER;
        } else if ("passive".equals(setup)) {
            role = DtlsTransport.Role.CLIENT;
        } else {
            throw new NegotiationException("an answer must say a=setup:active or passive, not " + setup);
        }
        return new RemoteTransportParameters(d.iceUfrag(m), d.icePwd(m), fp, role, m.attributes("candidate"));
    }

    /** RFC 5576: with an FID group the first SSRC is the media stream and the second its retransmissions. */
    private static long primarySsrc(MediaDescription m) {
        for (SsrcGroup g : m.ssrcGroups()) {
            if (g.semantics().equals("FID") && !g.ssrcs().isEmpty()) {
                return g.ssrcs().get(0);
            }
        }
        Map<Long, Map<String, String>> ssrcs = m.ssrcAttributes();
        return ssrcs.isEmpty() ? -1 : ssrcs.keySet().iterator().next();
    }

    /**
     * The simulcast layers a participant sends on an m-line, lowest first, at most {@value #MAX_SIMULCAST_LAYERS};
     * empty when it sends one encoding. With rids (RFC 8853 §5.1, RFC 8851): the first alternative of each stream of
     * {@code a=simulcast:send} that an {@code a=rid:... send} line declares, in the order listed, which browsers give
     * as the order of their encodings (lowest first, as in Chromium's examples), and only when the rtp-stream-id
     * header extension is offered, since that is the only way to tell the layers' packets apart. Without rids, an
     * {@code a=ssrc-group:SIM} lists the layers' SSRCs, lowest first (libwebrtc's convention), each with its RTX SSRC
     * from an FID group.
     *
     * @param allowed when not null, only these rids (the ones the server's own offer named); else any
     */
    private static List<UpstreamTrack.Layer> simulcastLayers(MediaDescription m, List<String> allowed) {
        if (!m.kind().equals("video")) {
            return List.of();
        }
        List<UpstreamTrack.Layer> layers = new ArrayList<>();
        org.sfu.media.sdp.Simulcast simulcast = m.simulcast();
        if (simulcast != null && !simulcast.send().isEmpty()
                && m.extmapId(SupportedCodecs.RTP_STREAM_ID_URI) > 0) {
            Set<String> declared = new HashSet<>();
            for (org.sfu.media.sdp.Rid r : m.rids()) {
                if (r.direction().equals("send")) {
                    declared.add(r.id());
                }
            }
            Set<String> taken = new HashSet<>();
            for (org.sfu.media.sdp.Simulcast.Stream stream : simulcast.send()) {
                for (org.sfu.media.sdp.Simulcast.Alternative alternative : stream.alternatives()) {
                    String rid = alternative.rid();
                    if (declared.contains(rid) && (allowed == null || allowed.contains(rid)) && taken.add(rid)) {
                        layers.add(new UpstreamTrack.Layer(rid, -1, -1));
                        break;
                    }
                }
                if (layers.size() == MAX_SIMULCAST_LAYERS) {
                    break;
                }
            }
            return layers.size() > 1 ? List.copyOf(layers) : List.of();
        }
        if (allowed != null && !allowed.isEmpty()) {
            // The server offered to receive rids; an answer that names none sends one encoding.
            return List.of();
        }
        for (SsrcGroup g : m.ssrcGroups()) {
            if (g.semantics().equals("SIM") && g.ssrcs().size() > 1) {
                for (long ssrc : g.ssrcs()) {
                    if (layers.size() == MAX_SIMULCAST_LAYERS) {
                        break;
                    }
                    long rtx = -1;
                    for (SsrcGroup fid : m.ssrcGroups()) {
                        if (fid.semantics().equals("FID") && fid.ssrcs().size() >= 2 && fid.ssrcs().get(0) == ssrc) {
                            rtx = fid.ssrcs().get(1);
                        }
                    }
                    layers.add(new UpstreamTrack.Layer(null, ssrc, rtx));
                }
                return List.copyOf(layers);
            }
        }
        return List.of();
    }

    /** The rids of rid-based layers, which the server's descriptions repeat; empty for SSRC-signalled ones. */
    private static List<String> ridsOf(List<UpstreamTrack.Layer> layers) {
        List<String> rids = new ArrayList<>();
        for (UpstreamTrack.Layer l : layers) {
            if (l.rid() != null) {
                rids.add(l.rid());
            }
        }
        return List.copyOf(rids);
    }

    private static long rtxSsrc(MediaDescription m) {
        for (SsrcGroup g : m.ssrcGroups()) {
            if (g.semantics().equals("FID") && g.ssrcs().size() >= 2) {
                return g.ssrcs().get(1);
            }
        }
        return -1;
    }

    private static boolean isRtp(MediaDescription m) {
        return (m.kind().equals("audio") || m.kind().equals("video")) && m.protocol().contains("RTP");
    }

    /**
     * Payload types for a new m-line: those already negotiated for the kind, so that one payload type means one codec
     * across the bundle (RFC 8843 §9.1), else the server's defaults.
     */
    private static List<RtpCodec> sessionCodecs(String kind, List<Section> existing) {
        for (Section s : existing) {
            if (s.kind.equals(kind) && !s.rejected && !s.codecs.isEmpty()) {
                return s.codecs;
            }
        }
        return SupportedCodecs.defaults(kind);
    }

    private static String nextMid(Set<String> used) {
        for (int i = 0; ; i++) {
            String mid = Integer.toString(i);
            if (used.add(mid)) {
                return mid;
            }
        }
    }

    /**
     * Every offer says actpass; an answer says the role the server has (RFC 5763 §5, RFC 8842 §5.2, §5.3).
     *
     * <p>RFC 8842 lets a re-offer say the established role instead, but some peers refuse any offer that is not
     * actpass (aiortc releases before its May 2024 fix, Debian 12's 1.4 among them), browsers themselves offer
     * actpass every time, and JSEP (RFC 8829 §5.3.1) has the answerer of a re-offer keep the role it has. So actpass
     * is what every peer accepts; the server keeps its DTLS role whatever the answer to a re-offer says (see
     * {@link #receiveAnswer}).
     */
    private String setupValue(boolean offer) {
        if (offer) {
            return "actpass";
        }
        return dtlsRole == DtlsTransport.Role.CLIENT ? "active" : "passive";
    }

    private String write(List<Section> list, List<Direction> directions, String setup) {
        List<String> bundle = new ArrayList<>();
        for (Section s : list) {
            if (!s.rejected) {
                bundle.add(s.mid);
            }
        }
        List<Attribute> sessionAttributes = new ArrayList<>();
        if (!bundle.isEmpty()) {
            sessionAttributes.add(new Attribute("group", "BUNDLE " + String.join(" ", bundle)));
        }
        sessionAttributes.add(new Attribute("msid-semantic", " WMS *"));
        List<MediaDescription> media = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            media.add(section(list.get(i), directions.get(i), setup));
        }
        String origin = "- " + sessionId + " " + (sessionVersion++) + " IN IP4 127.0.0.1";
        return new SessionDescription(origin, "-", List.copyOf(sessionAttributes), List.copyOf(media)).toSdp();
    }

    private MediaDescription section(Section s, Direction direction, String setup) {
        List<Attribute> a = new ArrayList<>();
        if (s.rejected) {
            // RFC 8829 §5.3.1: a rejected m-line keeps its kind and format list with port 0.
            a.add(new Attribute("mid", s.mid));
            a.add(new Attribute(Direction.INACTIVE.sdpName(), null));
            List<String> formats = s.rejectedFormats.isEmpty() ? List.of("0") : s.rejectedFormats;
            return new MediaDescription(s.kind, 0, s.protocol, formats, "IN IP4 0.0.0.0", List.copyOf(a));
        }
        a.add(new Attribute("ice-ufrag", local.iceUfrag()));
        a.add(new Attribute("ice-pwd", local.icePassword()));
        a.add(new Attribute("fingerprint", local.fingerprint().toSdpValue()));
        a.add(new Attribute("setup", setup));
        a.add(new Attribute("mid", s.mid));
        a.add(new Attribute(direction.sdpName(), null));
        a.add(new Attribute("rtcp-mux", null));
        a.add(new Attribute("rtcp-rsize", null));
        if (s.role == Role.DOWNSTREAM && s.track != null && direction == Direction.SENDONLY) {
            DownstreamTrack t = s.track;
            a.add(new Attribute("msid", t.streamId() + " " + t.trackId()));
        }
        for (Extmap e : s.extmaps) {
            a.add(e.toAttribute());
        }
        if (s.role == Role.UPSTREAM && !s.simulcastRids.isEmpty() && direction == Direction.RECVONLY) {
            // RFC 8853 §5.3, RFC 8851 §6: the server receives the participant's layers by the same rids.
            List<org.sfu.media.sdp.Simulcast.Stream> streams = new ArrayList<>();
            for (String rid : s.simulcastRids) {
                a.add(new org.sfu.media.sdp.Rid(rid, "recv", List.of(), Map.of()).toAttribute());
                streams.add(new org.sfu.media.sdp.Simulcast.Stream(
                        List.of(new org.sfu.media.sdp.Simulcast.Alternative(rid, false))));
            }
            a.add(new org.sfu.media.sdp.Simulcast(List.of(), streams).toAttribute());
        }
        List<String> formats = new ArrayList<>();
        for (RtpCodec c : s.codecs) {
            formats.add(Integer.toString(c.payloadType()));
            String encoding = c.name() + "/" + c.clockRate() + (c.channels() > 1 ? "/" + c.channels() : "");
            a.add(new Attribute("rtpmap", c.payloadType() + " " + encoding));
            for (String fb : c.rtcpFeedback()) {
                a.add(new Attribute("rtcp-fb", c.payloadType() + " " + fb));
            }
            if (!c.fmtp().isEmpty()) {
                List<String> params = new ArrayList<>();
                c.fmtp().forEach((k, v) -> params.add(v == null || v.isEmpty() ? k : k + "=" + v));
                a.add(new Attribute("fmtp", c.payloadType() + " " + String.join(";", params)));
            }
        }
        if (s.role == Role.DOWNSTREAM && s.track != null && direction == Direction.SENDONLY) {
            DownstreamTrack t = s.track;
            boolean rtx = t.rtxSsrc() >= 0 && s.codecs.stream().anyMatch(RtpCodec::isRtx);
            if (rtx) {
                // RFC 5576 §4.2 / RFC 4588 §8.6: the retransmission stream is tied to the media stream by FID.
                a.add(new Attribute("ssrc-group", "FID " + t.ssrc() + " " + t.rtxSsrc()));
            }
            a.add(new Attribute("ssrc", t.ssrc() + " cname:" + t.streamId()));
            a.add(new Attribute("ssrc", t.ssrc() + " msid:" + t.streamId() + " " + t.trackId()));
            if (rtx) {
                a.add(new Attribute("ssrc", t.rtxSsrc() + " cname:" + t.streamId()));
                a.add(new Attribute("ssrc", t.rtxSsrc() + " msid:" + t.streamId() + " " + t.trackId()));
            }
        }
        for (IceCandidate c : local.candidates()) {
            a.add(new Attribute("candidate", c.toSdpValue().substring("candidate:".length())));
        }
        a.add(new Attribute("end-of-candidates", null));
        return new MediaDescription(s.kind, 9, s.protocol, List.copyOf(formats), "IN IP4 0.0.0.0", List.copyOf(a));
    }

    /**
     * Every header extension the participant sends under, by URI, from the m-lines it sends on in the last completed
     * exchange (RFC 8285). One id per URI in a bundle (RFC 8843 §9.2), so the first one found holds; a URI absent
     * from the map is not negotiated.
     */
    public Map<String, Integer> upstreamExtensionIds() {
        Map<String, Integer> ids = new java.util.HashMap<>();
        for (Section s : sections) {
            if (s.role == Role.UPSTREAM && !s.rejected) {
                for (Extmap e : s.extmaps) {
                    ids.putIfAbsent(e.uri(), e.id());
                }
            }
        }
        return Map.copyOf(ids);
    }

    /**
     * The header extensions of the negotiated m-line that carries this downstream track, with the participant's ids,
     * or an empty list while no completed exchange has one.
     */
    public List<Extmap> negotiatedExtensions(String trackId) {
        for (Section s : sections) {
            if (s.role == Role.DOWNSTREAM && !s.rejected && s.track != null && s.track.id().equals(trackId)) {
                return s.extmaps;
            }
        }
        return List.of();
    }

    /** The extensions a new m-line offers: the id the bundle already uses for each, else the server's default. */
    private static List<Extmap> offeredExtensions(java.util.Set<String> uris, List<Section> existing) {
        List<Extmap> out = new ArrayList<>();
        for (String uri : uris) {
            int known = sessionExtensionId(uri, existing);
            out.add(new Extmap(known > 0 ? known : SupportedCodecs.defaultExtensionId(uri), uri));
        }
        return List.copyOf(out);
    }

    /** The id the bundle already uses for an extension (RFC 8843 §9.2: one id per URI per bundle), or -1. */
    private static int sessionExtensionId(String uri, List<Section> list) {
        for (Section s : list) {
            for (Extmap e : s.extmaps) {
                if (e.uri().equals(uri)) {
                    return e.id();
                }
            }
        }
        return -1;
    }

    /** @param simulcast the m-line carries simulcast layers: their stream ids are accepted too (RFC 8853 §5.1) */
    private static List<Extmap> acceptedExtensions(Role role, String kind, List<Extmap> offered, boolean simulcast) {
        java.util.Set<String> wanted = role == Role.UPSTREAM
                ? (simulcast ? SupportedCodecs.simulcastExtensions(kind) : SupportedCodecs.upstreamExtensions(kind))
                : SupportedCodecs.downstreamExtensions(kind);
        List<Extmap> out = new ArrayList<>();
        for (Extmap e : offered) {
            if (wanted.contains(e.uri())) {
                // The answer states no direction of its own: the extension is used as the m-line is.
                out.add(new Extmap(e.id(), e.uri()));
            }
        }
        return List.copyOf(out);
    }

    /** The position of the m-line with this mid in the negotiated session, or -1. */
    public int indexOf(String mid) {
        for (int i = 0; i < sections.size(); i++) {
            if (sections.get(i).mid.equals(mid)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The codecs (in the participant's payload type numbers) of the negotiated m-line that carries this downstream
     * track, or an empty list while no completed exchange has one.
     */
    public List<RtpCodec> negotiatedCodecs(String trackId) {
        for (Section s : sections) {
            if (s.role == Role.DOWNSTREAM && !s.rejected && s.track != null && s.track.id().equals(trackId)) {
                return s.codecs;
            }
        }
        return List.of();
    }
}
