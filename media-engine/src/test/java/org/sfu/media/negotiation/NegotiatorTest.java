package org.sfu.media.negotiation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sfu.dtls.DtlsCertificate;
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
 * The server's half of JSEP for one participant, driven by real Chromium descriptions: given this offer (or answer),
 * when it arrives, then the server answers (or offers) exactly this.
 */
class NegotiatorTest {

    private static final String SERVER_UFRAG = "srvU";
    private static final String SERVER_PWD = "serverPasswordOf24Chars0";
    private static final String CANDIDATE = "candidate:1 1 udp 2130706431 127.0.0.1 10000 typ host";

    /** Chromium's transport in chromium-offer-audio-video.sdp. */
    private static final String CHROMIUM_UFRAG = "8Ili";
    private static final String CHROMIUM_PWD = "X8LMI90Y03lk9UNabHajPEXl";
    private static final String CHROMIUM_FINGERPRINT =
            "sha-256 8D:B8:58:18:E9:42:34:2E:54:2F:A5:01:06:6C:DB:7F:68:D6:DC:49:08:5F:96:B8:EF:46:7E:1B:CE:23:EB:83";
    private static final long CHROMIUM_AUDIO_SSRC = 1539445745L;
    /** The second SSRC of "a=ssrc-group:FID 2397679162 1634747272": the video's retransmissions (RFC 4588). */
    private static final long CHROMIUM_VIDEO_RTX_SSRC = 1634747272L;
    /** The first SSRC of "a=ssrc-group:FID 2397679162 1634747272": the media, not its RTX (RFC 5576, RFC 4588). */
    private static final long CHROMIUM_VIDEO_SSRC = 2397679162L;

    private static LocalTransportParameters local;
    private static String offerAudioVideo;
    private static String offerRecvonly;

    @BeforeAll
    static void setUp() throws IOException {
        Fingerprint fingerprint = DtlsCertificate.generate().fingerprint();
        local = new LocalTransportParameters(SERVER_UFRAG, SERVER_PWD, fingerprint, List.of(IceCandidate.parse(CANDIDATE)));
        offerAudioVideo = resource("chromium-offer-audio-video.sdp");
        offerRecvonly = resource("chromium-offer-recvonly.sdp");
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = NegotiatorTest.class.getResourceAsStream("/sdp/" + name)) {
            assertNotNull(in, name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    // ---- the participant offers ----

    @Test
    void answersChromiumsAudioVideoOfferWithWhatTheServerForwards() throws Exception {
        Negotiator negotiator = new Negotiator(local);

        Negotiator.Result result = negotiator.receiveOffer(offerAudioVideo, List.of());

        SessionDescription answer = SessionDescription.parse(result.answerSdp());
        assertEquals(2, answer.media().size());
        assertEquals(List.of("0", "1"), answer.media().stream().map(MediaDescription::mid).toList());
        assertEquals(List.of("audio", "video"), answer.media().stream().map(MediaDescription::kind).toList());
        assertEquals(List.of("0", "1"), answer.bundleMids(), "a=group:BUNDLE 0 1 (RFC 8843)");
        for (MediaDescription m : answer.media()) {
            assertFalse(m.isRejected(), m.mid());
            assertEquals("UDP/TLS/RTP/SAVPF", m.protocol());
            assertEquals(Direction.RECVONLY, m.direction(), "the participant sends, the server receives");
            assertEquals("passive", answer.setup(m), "RFC 5763 §5: the offer said actpass, the server is DTLS server");
            assertTrue(m.rtcpMux(), "RFC 5761 / RFC 8843");
            assertEquals(SERVER_UFRAG, answer.iceUfrag(m));
            assertEquals(SERVER_PWD, answer.icePwd(m));
            assertEquals(local.fingerprint(), Fingerprint.parse(answer.fingerprint(m)));
            assertEquals(List.of(CANDIDATE.substring("candidate:".length())), m.attributes("candidate"));
            assertTrue(m.hasAttribute("end-of-candidates"), "RFC 8840: no more candidates will be trickled");
            // RFC 8285: the server keeps Chromium's ids for the extensions it reads (transport-wide cc for
            // bandwidth feedback, the audio level for the dominant speaker) and no others.
            List<Extmap> expected = m.kind().equals("audio")
                    ? List.of(new Extmap(1, SupportedCodecs.AUDIO_LEVEL_URI), new Extmap(3, SupportedCodecs.TRANSPORT_CC_URI))
                    : List.of(new Extmap(3, SupportedCodecs.TRANSPORT_CC_URI));
            assertEquals(expected, m.extmaps(), "header extensions of the " + m.kind() + " m-line");
            assertTrue(m.attributes("ssrc").isEmpty(), "the server sends nothing on a recvonly m-line");
            for (RtpCodec c : m.codecs()) {
                assertTrue(SupportedCodecs.VIDEO_FEEDBACK.containsAll(c.rtcpFeedback()),
                        "only nack, nack pli, ccm fir: " + c);
            }
        }

        MediaDescription audio = answer.media().get(0);
        assertEquals(List.of("111", "63"), audio.formats(),
                "Opus, then RED (RFC 2198) after it as Chromium listed it, in Chromium's payload types");
        assertEquals(List.of(111, 111), audio.codecs().get(1).redundantPayloadTypes(), "a=fmtp:63 111/111 kept");
        assertEquals(List.of(), audio.codecs().get(1).rtcpFeedback());
        RtpCodec opus = audio.codecs().get(0);
        assertEquals("opus", opus.name());
        assertEquals(48000, opus.clockRate());
        assertEquals(2, opus.channels());
        assertEquals(List.of("transport-cc"), opus.rtcpFeedback(), "the server sends transport-wide cc feedback");

        MediaDescription video = answer.media().get(1);
        // Chromium's 102 is H.264 baseline 42001f and 104/114 are packetization-mode 0: only 108 qualifies; 100 is
        // VP9 profile 2 (10-bit).
        assertEquals(List.of("96", "97", "108", "109", "98", "99", "45", "46"), video.formats(),
                "VP8 and its RTX first, then constrained-baseline H.264, VP9 profile 0 and AV1 profile 0, each with its RTX");
        List<RtpCodec> videoCodecs = video.codecs();
        assertEquals("VP8", videoCodecs.get(0).name());
        assertEquals(90000, videoCodecs.get(0).clockRate());
        assertEquals(96, videoCodecs.get(1).apt(), "RFC 4588 §8.6: 97 retransmits 96");
        assertEquals(108, videoCodecs.get(3).apt(), "RFC 4588 §8.6: 109 retransmits 108");
        RtpCodec h264 = videoCodecs.get(2);
        assertEquals("H264", h264.name());
        assertEquals("1", h264.fmtp().get("packetization-mode"));
        assertEquals("42e01f", h264.fmtp().get("profile-level-id"));
        for (RtpCodec c : videoCodecs) {
            Set<String> expected = c.isRtx() ? Set.of() : Set.of("transport-cc", "nack", "nack pli", "ccm fir", "goog-remb");
            assertEquals(expected, Set.copyOf(c.rtcpFeedback()), c.toString());
        }
        for (String rtpmap : video.attributes("rtpmap")) {
            for (String refused : List.of("red", "ulpfec")) {
                assertFalse(rtpmap.contains(" " + refused + "/"), rtpmap);
            }
        }

        assertEquals(List.of(
                new UpstreamTrack("0", "audio", CHROMIUM_AUDIO_SSRC, -1, audio.codecs()),
                new UpstreamTrack("1", "video", CHROMIUM_VIDEO_SSRC, CHROMIUM_VIDEO_RTX_SSRC, videoCodecs)),
                result.upstream());

        RemoteTransportParameters transport = result.transport();
        assertEquals(CHROMIUM_UFRAG, transport.iceUfrag());
        assertEquals(CHROMIUM_PWD, transport.icePassword());
        assertEquals(Fingerprint.parse(CHROMIUM_FINGERPRINT), transport.fingerprint());
        assertEquals(DtlsTransport.Role.SERVER, transport.localDtlsRole());

        assertTrue(negotiator.isNegotiated());
        assertTrue(negotiator.remoteOffered());
        assertFalse(negotiator.hasLocalOffer());
        assertEquals("0", negotiator.bundleTag());
        assertEquals(0, negotiator.indexOf("0"));
        assertEquals(1, negotiator.indexOf("1"));
        assertEquals(-1, negotiator.indexOf("2"));
    }

    @Test
    void answersARecvonlyOfferWithInactiveMLinesAndNoUpstreamTracks() throws Exception {
        Negotiator negotiator = new Negotiator(local);

        Negotiator.Result result = negotiator.receiveOffer(offerRecvonly, List.of());

        SessionDescription answer = SessionDescription.parse(result.answerSdp());
        assertEquals(List.of("0", "1"), answer.media().stream().map(MediaDescription::mid).toList());
        for (MediaDescription m : answer.media()) {
            assertEquals(Direction.INACTIVE, m.direction(), "no server track to send yet, nothing to receive");
        }
        assertEquals(List.of(), result.upstream());
        assertEquals("l7xt", result.transport().iceUfrag());
        assertEquals(DtlsTransport.Role.SERVER, result.transport().localDtlsRole());
    }

    // ---- the server offers first ----

    @Test
    void offersRecvonlyAudioAndVideoToAParticipantThatNeverOffered() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        assertTrue(negotiator.needsOffer(List.of()), "never negotiated");

        SessionDescription offer = SessionDescription.parse(negotiator.createOffer(List.of()));

        assertTrue(negotiator.hasLocalOffer());
        assertFalse(negotiator.needsOffer(List.of()), "an offer is already outstanding");
        assertEquals(List.of("audio", "video"), offer.media().stream().map(MediaDescription::kind).toList());
        assertEquals(List.of("0", "1"), offer.bundleMids());
        for (MediaDescription m : offer.media()) {
            assertEquals(Direction.RECVONLY, m.direction());
            assertEquals("actpass", offer.setup(m), "RFC 5763 §5: the offerer leaves the DTLS role open");
            assertEquals(SERVER_UFRAG, offer.iceUfrag(m));
            assertEquals(SERVER_PWD, offer.icePwd(m));
            assertEquals(local.fingerprint(), Fingerprint.parse(offer.fingerprint(m)));
            assertTrue(m.rtcpMux());
        }
        assertEquals(SupportedCodecs.defaults("audio"), offer.media().get(0).codecs());
        assertEquals(SupportedCodecs.defaults("video"), offer.media().get(1).codecs());

        SessionDescription answer = answerTo(offer, "active", m -> m.withDirection(Direction.SENDONLY)
                .withAttribute("ssrc", ssrcFor(m) + " cname:chromium"));
        Negotiator.Result result = negotiator.receiveAnswer(answer.toSdp());

        assertNull(result.answerSdp());
        assertFalse(negotiator.hasLocalOffer());
        assertTrue(negotiator.isNegotiated());
        assertFalse(negotiator.remoteOffered());
        assertEquals(List.of("0", "1"), result.upstream().stream().map(UpstreamTrack::mid).toList());
        assertEquals(List.of(1111L, 2222L), result.upstream().stream().map(UpstreamTrack::ssrc).toList());
        assertEquals(CHROMIUM_UFRAG, result.transport().iceUfrag());
        assertEquals(CHROMIUM_PWD, result.transport().icePassword());
        assertEquals(Fingerprint.parse(CHROMIUM_FINGERPRINT), result.transport().fingerprint());
        assertEquals(DtlsTransport.Role.SERVER, result.transport().localDtlsRole(),
                "RFC 5763 §5: the answer's active makes the server the DTLS server");
    }

    @Test
    void anAnswerToAServerOfferThatSaysPassiveMakesTheServerTheDtlsClient() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        SessionDescription offer = SessionDescription.parse(negotiator.createOffer(List.of()));

        Negotiator.Result result = negotiator.receiveAnswer(answerTo(offer, "passive",
                m -> m.withDirection(Direction.INACTIVE)).toSdp());

        assertEquals(DtlsTransport.Role.CLIENT, result.transport().localDtlsRole());
        assertEquals(List.of(), result.upstream());
        // The role is established, and later offers still say actpass: some peers refuse anything else in an offer.
        SessionDescription next = SessionDescription.parse(negotiator.createOffer(List.of()));
        assertEquals("actpass", next.setup(next.media().get(0)));
        Negotiator.Result again = negotiator.receiveAnswer(answerTo(next, "passive",
                m -> m.withDirection(Direction.INACTIVE)).toSdp());
        assertEquals(DtlsTransport.Role.CLIENT, again.transport().localDtlsRole(), "the association is kept");
    }

    // ---- DTLS and ICE roles across renegotiation (RFC 5763 §5, RFC 8842 §5, RFC 8445 §6.1.1) ----

    @Test
    void everyOfferOfTheServerSaysActpassAndTheParticipantsOfferKeepsItsDtlsRole() throws Exception {
        // The participant offered first: the server answered passive and is the DTLS server from then on.
        Negotiator negotiator = new Negotiator(local, remote -> new LocalTransportParameters("newU",
                "newServerPasswordOf24chars", local.fingerprint(), local.candidates()));
        Negotiator.Result first = negotiator.receiveOffer(offerAudioVideo, List.of());
        assertEquals(DtlsTransport.Role.SERVER, first.transport().localDtlsRole());
        DownstreamTrack track = new DownstreamTrack("c1", "video", 1234, "peerB", "peerB-1", 5678);

        for (int round = 0; round < 3; round++) {
            // A re-offer that adds (or frees) a downstream track: actpass, as browsers and every peer accept.
            List<DownstreamTrack> downstream = round % 2 == 0 ? List.of(track) : List.of();
            SessionDescription offer = SessionDescription.parse(negotiator.createOffer(downstream));
            for (MediaDescription m : offer.media()) {
                if (!m.isRejected()) {
                    assertEquals("actpass", offer.setup(m), "round " + round + ", mid " + m.mid());
                }
            }
            // The participant answers as it likes: active as a browser does, or passive.
            String setup = round == 1 ? "passive" : "active";
            Negotiator.Result answered = negotiator.receiveAnswer(answerTo(offer, setup, m -> m).toSdp());
            assertEquals(DtlsTransport.Role.SERVER, answered.transport().localDtlsRole(),
                    "round " + round + ": an answer saying " + setup + " keeps the association");
        }

        // An ICE restart (new credentials in the participant's offer) keeps DTLS as it is, and so does the answer.
        String restartOffer = withEveryMedia(offerAudioVideo, m -> m.withoutAttribute("ice-ufrag")
                .withoutAttribute("ice-pwd").withAttribute("ice-ufrag", "Wz9q")
                .withAttribute("ice-pwd", "NewPasswordFromChromium")).toSdp();
        SessionDescription restartAnswer = SessionDescription.parse(
                negotiator.receiveOffer(withMediaCount(restartOffer, negotiator), List.of()).answerSdp());
        assertEquals("passive", restartAnswer.setup(restartAnswer.media().get(0)));
        SessionDescription afterRestart = SessionDescription.parse(negotiator.createOffer(List.of(track)));
        assertEquals("actpass", afterRestart.setup(afterRestart.media().get(0)));
        assertEquals("newU", afterRestart.iceUfrag(afterRestart.media().get(0)));
        assertEquals(DtlsTransport.Role.SERVER,
                negotiator.receiveAnswer(answerTo(afterRestart, "active", m -> m.withoutAttribute("ice-ufrag")
                        .withoutAttribute("ice-pwd").withAttribute("ice-ufrag", "Wz9q")
                        .withAttribute("ice-pwd", "NewPasswordFromChromium")).toSdp()).transport().localDtlsRole());
        assertEquals(Boolean.FALSE, negotiator.iceControlling(), "the participant's offer opened the session");
    }

    @Test
    void theServerControlsIceWhenItsOfferOpensTheSessionAndIsControlledWhenTheParticipantsDoes() throws Exception {
        Negotiator offeredTo = new Negotiator(local);
        assertNull(offeredTo.iceControlling(), "no offer yet");
        SessionDescription offer = SessionDescription.parse(offeredTo.createOffer(List.of()));
        assertEquals(Boolean.TRUE, offeredTo.iceControlling(), "known before the answer: the peer may check first");
        offeredTo.receiveAnswer(answerTo(offer, "active", m -> m.withDirection(Direction.SENDONLY)).toSdp());
        offeredTo.createOffer(List.of());
        assertEquals(Boolean.TRUE, offeredTo.iceControlling(), "re-offers do not change it");

        Negotiator answering = new Negotiator(local);
        answering.receiveOffer(offerAudioVideo, List.of());
        assertEquals(Boolean.FALSE, answering.iceControlling());
        answering.createOffer(List.of());
        assertEquals(Boolean.FALSE, answering.iceControlling(), "the server's re-offer is not the first offer");

        // The server's first offer collided and was withdrawn: the participant's offer opens the session.
        Negotiator collided = new Negotiator(local);
        collided.createOffer(List.of());
        collided.rollback();
        collided.receiveOffer(offerAudioVideo, List.of());
        assertEquals(Boolean.FALSE, collided.iceControlling());
    }

    @Test
    void aSessionAtItsMaximumOfMLinesDoesNotOfferAgainForTracksThatCannotFit() throws Exception {
        // Before: the server left the 65th track out of its offer but still wanted to offer it, so it sent the same
        // offer again after every answer, for ever (a room of 33, or one participant offering 63 video sections).
        Negotiator negotiator = new Negotiator(local);
        negotiator.receiveOffer(offerAudioVideo, List.of());
        List<DownstreamTrack> many = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            many.add(new DownstreamTrack("c" + i, i % 2 == 0 ? "audio" : "video", 1000 + i, "p" + i, "t" + i, -1));
        }
        assertTrue(negotiator.needsOffer(many));
        SessionDescription offer = SessionDescription.parse(negotiator.createOffer(many));
        assertEquals(64, offer.media().size(), "RFC 8843 bundles them all, but the server caps a session at 64");
        negotiator.receiveAnswer(answerTo(offer, "active", m -> m.withDirection(Direction.RECVONLY)).toSdp());

        assertFalse(negotiator.needsOffer(many), "nothing an offer could change");
        assertEquals(8, negotiator.tracksLeftOut(many));

        // One track that has an m-line leaves: its m-line goes inactive, then a track left out takes it.
        List<DownstreamTrack> fewer = new ArrayList<>(many);
        fewer.remove(0);
        assertTrue(negotiator.needsOffer(fewer));
        offer = SessionDescription.parse(negotiator.createOffer(fewer));
        negotiator.receiveAnswer(answerTo(offer, "active", m -> m.withDirection(Direction.RECVONLY)).toSdp());
        assertTrue(negotiator.needsOffer(fewer), "the freed m-line can now carry a track that was left out");
        offer = SessionDescription.parse(negotiator.createOffer(fewer));
        negotiator.receiveAnswer(answerTo(offer, "active", m -> m.withDirection(Direction.RECVONLY)).toSdp());
        assertFalse(negotiator.needsOffer(fewer));
        assertEquals(7, negotiator.tracksLeftOut(fewer));
    }

    // ---- redundant audio (RFC 2198) ----

    /** The audio m-line's codecs reordered or filtered as a client that prefers (or lacks) RED writes its offer. */
    private static String withAudioCodecs(String sdp, UnaryOperator<List<RtpCodec>> change) {
        return withMedia(sdp, 0, m -> m.withCodecs(change.apply(m.codecs()))).toSdp();
    }

    private static List<RtpCodec> withoutRed(List<RtpCodec> codecs) {
        return codecs.stream().filter(c -> !c.isRed()).toList();
    }

    @Test
    void aChromiumOfferThatPutsRedFirstIsAnsweredRedFirstSoThatItSendsRed() throws Exception {
        String redFirst = withAudioCodecs(offerAudioVideo, codecs -> {
            List<RtpCodec> out = new ArrayList<>(codecs.stream().filter(RtpCodec::isRed).toList());
            out.addAll(withoutRed(codecs));
            return out;
        });

        Negotiator.Result result = new Negotiator(local).receiveOffer(redFirst, List.of());

        MediaDescription audio = SessionDescription.parse(result.answerSdp()).media().get(0);
        assertEquals(List.of("63", "111"), audio.formats(),
                "libwebrtc sends RED only when the remote description lists it ahead of Opus");
        assertEquals(List.of("63", "111"), result.upstream().get(0).codecs().stream()
                .map(c -> Integer.toString(c.payloadType())).toList(), "the producer knows both payload types");
    }

    @Test
    void downstreamAudioCarriesRedOnlyForAReceiverWhoseOfferHadIt() throws Exception {
        DownstreamTrack voice = new DownstreamTrack("c2", "audio", 4321, "peerC", "peerC-1", -1);

        Negotiator withRed = new Negotiator(local);
        withRed.receiveOffer(offerAudioVideo, List.of());
        SessionDescription offer = SessionDescription.parse(withRed.createOffer(List.of(voice)));
        MediaDescription downstream = offer.media().get(2);
        assertEquals(Direction.SENDONLY, downstream.direction());
        assertEquals(List.of("111", "63"), downstream.formats(), "the receiver's own payload types, RED included");
        assertEquals(List.of(111, 111), downstream.codecs().get(1).redundantPayloadTypes());
        withRed.receiveAnswer(answerTo(offer, "active", m -> m.withDirection(
                m.mid().equals("2") ? Direction.RECVONLY : Direction.SENDONLY)).toSdp());
        assertTrue(withRed.negotiatedCodecs("c2").stream().anyMatch(RtpCodec::isRed), "negotiated for the track");

        Negotiator withoutRed = new Negotiator(local);
        withoutRed.receiveOffer(withAudioCodecs(offerAudioVideo, NegotiatorTest::withoutRed), List.of());
        MediaDescription plain = SessionDescription.parse(withoutRed.createOffer(List.of(voice))).media().get(2);
        assertEquals(List.of("111"), plain.formats(), "a receiver that never offered RED is not offered it");
    }

    @Test
    void theServersFirstOfferListsRedAfterOpusAndAnAnswerWithoutItKeepsItOut() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        SessionDescription offer = SessionDescription.parse(negotiator.createOffer(List.of()));
        assertEquals(List.of("111", "63"), offer.media().get(0).formats(),
                "RED offered after Opus: the answerer may receive it, and sends plain Opus unless it reorders");
        assertTrue(offer.media().get(0).attributes("fmtp").contains("63 111/111"));

        negotiator.receiveAnswer(answerTo(offer, "active", m -> {
            MediaDescription a = m.withDirection(Direction.SENDONLY);
            return a.kind().equals("audio") ? a.withCodecs(withoutRed(a.codecs())) : a;
        }).toSdp());

        DownstreamTrack voice = new DownstreamTrack("c2", "audio", 4321, "peerC", "peerC-1", -1);
        MediaDescription downstream = SessionDescription.parse(negotiator.createOffer(List.of(voice))).media().get(2);
        assertEquals(List.of("111"), downstream.formats(), "the answer said no RED: none on the receiver's m-lines");
    }

    @Test
    void theOutstandingOfferCoversExactlyTheTracksItCarries() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        negotiator.receiveOffer(offerAudioVideo, List.of());
        DownstreamTrack b = new DownstreamTrack("c1", "video", 1234, "peerB", "peerB-1", 5678);
        DownstreamTrack c = new DownstreamTrack("c2", "audio", 4321, "peerC", "peerC-1", -1);
        assertFalse(negotiator.offerCovers(List.of(b)), "no offer outstanding");

        negotiator.createOffer(List.of(b));

        assertTrue(negotiator.offerCovers(List.of(b)));
        assertFalse(negotiator.offerCovers(List.of(b, c)), "a track joined since");
        assertFalse(negotiator.offerCovers(List.of()), "a track left since");
    }

    @Test
    void anAnswerWithoutAnOutstandingOfferIsRefused() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        SessionDescription offer = SessionDescription.parse(new Negotiator(local).createOffer(List.of()));
        String answer = answerTo(offer, "active", m -> m.withDirection(Direction.SENDONLY)).toSdp();

        NegotiationException e = assertThrows(NegotiationException.class, () -> negotiator.receiveAnswer(answer));

        assertTrue(e.getMessage().contains("no outstanding offer"), e.getMessage());
        assertFalse(negotiator.isNegotiated());
    }

    @Test
    void rollbackWithdrawsTheServersOffer() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        negotiator.createOffer(List.of());
        assertTrue(negotiator.hasLocalOffer());

        negotiator.rollback();

        assertFalse(negotiator.hasLocalOffer(), "back in stable");
        assertFalse(negotiator.isNegotiated(), "nothing of the withdrawn offer was applied");
        assertThrows(NegotiationException.class, () -> negotiator.receiveAnswer(offerAudioVideo));
        // The participant's own offer (the one that collided) is now answered normally.
        Negotiator.Result result = negotiator.receiveOffer(offerAudioVideo, List.of());
        assertEquals(2, result.upstream().size());
    }

    // ---- ICE restart (RFC 8445 §9, RFC 8839 §4.4.1.1) ----

    @Test
    void anOfferWithNewIceCredentialsRestartsIceAndTheAnswerCarriesNewOnes() throws Exception {
        List<RemoteTransportParameters> restarts = new ArrayList<>();
        LocalTransportParameters restarted = new LocalTransportParameters("newU", "newServerPasswordOf24chars",
                local.fingerprint(), local.candidates());
        Negotiator negotiator = new Negotiator(local, remote -> {
            restarts.add(remote);
            return restarted;
        });
        negotiator.receiveOffer(offerAudioVideo, List.of());
        String restartOffer = withEveryMedia(offerAudioVideo, m -> m.withoutAttribute("ice-ufrag")
                .withoutAttribute("ice-pwd").withAttribute("ice-ufrag", "Wz9q")
                .withAttribute("ice-pwd", "NewPasswordFromChromium")).toSdp();

        Negotiator.Result result = negotiator.receiveOffer(restartOffer, List.of());

        assertEquals(1, restarts.size(), "the transport was asked to restart once");
        assertEquals("Wz9q", restarts.get(0).iceUfrag());
        assertEquals("NewPasswordFromChromium", restarts.get(0).icePassword());
        SessionDescription answer = SessionDescription.parse(result.answerSdp());
        for (MediaDescription m : answer.media()) {
            assertEquals("newU", answer.iceUfrag(m), "the answerer changes its credentials too");
            assertEquals("newServerPasswordOf24chars", answer.icePwd(m));
            assertEquals(local.fingerprint(), Fingerprint.parse(answer.fingerprint(m)), "DTLS is not restarted");
        }
        assertEquals(2, result.upstream().size(), "the tracks stay");
        // The server's later offers carry the new credentials too.
        SessionDescription next = SessionDescription.parse(negotiator.createOffer(List.of()));
        assertEquals("newU", next.iceUfrag(next.media().get(0)));
    }

    @Test
    void aReofferWithTheSameCredentialsIsNoRestart() throws Exception {
        Negotiator negotiator = new Negotiator(local, remote -> {
            throw new AssertionError("no restart expected");
        });
        negotiator.receiveOffer(offerAudioVideo, List.of());

        Negotiator.Result again = negotiator.receiveOffer(offerAudioVideo, List.of());

        SessionDescription answer = SessionDescription.parse(again.answerSdp());
        assertEquals(SERVER_UFRAG, answer.iceUfrag(answer.media().get(0)));
    }

    @Test
    void anAnswerThatChangesTheIceCredentialsIsRefused() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        negotiator.receiveOffer(offerAudioVideo, List.of());
        SessionDescription offer = SessionDescription.parse(negotiator.createOffer(List.of()));
        String answer = answerTo(offer, "active", m -> m.withoutAttribute("ice-ufrag")
                .withAttribute("ice-ufrag", "Wz9q")).toSdp();

        NegotiationException e = assertThrows(NegotiationException.class, () -> negotiator.receiveAnswer(answer));

        assertTrue(e.getMessage().contains("did not restart ICE"), e.getMessage());
        assertTrue(negotiator.hasLocalOffer(), "the offer stays outstanding, as for any refused answer");
    }

    // ---- renegotiation: another participant's track reaches this one ----

    @Test
    void addsASendonlyMLineForADownstreamTrackAndKeepsItInactiveOnceTheTrackIsGone() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        negotiator.receiveOffer(offerAudioVideo, List.of());
        DownstreamTrack track = new DownstreamTrack("c1", "video", 1234, "peerB", "peerB-1", 5678);
        List<DownstreamTrack> downstream = List.of(track);
        assertTrue(negotiator.needsOffer(downstream), "peerB's video has no m-line yet");
        assertEquals(List.of(), negotiator.negotiatedCodecs("c1"));

        SessionDescription offer = SessionDescription.parse(negotiator.createOffer(downstream));

        assertEquals(3, offer.media().size());
        assertEquals(List.of("0", "1", "2"), offer.bundleMids());
        MediaDescription added = offer.media().get(2);
        assertEquals("video", added.kind());
        assertEquals("2", added.mid());
        assertEquals(Direction.SENDONLY, added.direction());
        assertEquals("peerB peerB-1", added.msid(), "RFC 8830: stream = sending participant, track = producer");
        assertEquals(Map.of(1234L, Map.of("cname", "peerB", "msid", "peerB peerB-1"),
                5678L, Map.of("cname", "peerB", "msid", "peerB peerB-1")), added.ssrcAttributes());
        assertEquals(List.of(new SsrcGroup("FID", List.of(1234L, 5678L))), added.ssrcGroups(),
                "RFC 4588 §8.6: the server's retransmissions of 1234 come on 5678");
        assertEquals(List.of("96", "97", "108", "109", "98", "99", "45", "46"), added.formats(),
                "RFC 8843 §9.1: the payload types already negotiated for video in this bundle");
        for (MediaDescription m : offer.media()) {
            assertEquals("actpass", offer.setup(m), "every offer leaves the role open, as browsers' own offers do");
        }
        assertEquals(Direction.RECVONLY, offer.media().get(0).direction());
        assertEquals(Direction.RECVONLY, offer.media().get(1).direction());
        assertTrue(negotiator.hasLocalOffer());
        assertFalse(negotiator.needsOffer(downstream), "while the offer is outstanding");
        assertEquals(List.of(), negotiator.negotiatedCodecs("c1"), "not negotiated before the answer");

        Negotiator.Result result = negotiator.receiveAnswer(answerTo(offer, "active", m -> m.withDirection(
                m.direction() == Direction.SENDONLY ? Direction.RECVONLY : Direction.SENDONLY)
                .withAttribute("ssrc", ssrcFor(m) + " cname:chromium")).toSdp());

        assertEquals(DtlsTransport.Role.SERVER, result.transport().localDtlsRole());
        assertEquals(List.of("0", "1"), result.upstream().stream().map(UpstreamTrack::mid).toList());
        assertFalse(negotiator.needsOffer(downstream), "every downstream track has its m-line");
        List<RtpCodec> codecs = negotiator.negotiatedCodecs("c1");
        assertEquals(List.of(96, 97, 108, 109, 98, 99, 45, 46), codecs.stream().map(RtpCodec::payloadType).toList());
        assertEquals(2, negotiator.indexOf("2"));
        assertTrue(negotiator.needsOffer(List.of()), "peerB left: its m-line must be released");

        SessionDescription removal = SessionDescription.parse(negotiator.createOffer(List.of()));

        assertEquals(3, removal.media().size(), "RFC 8829 §5.2.2: m-lines are never removed");
        MediaDescription released = removal.media().get(2);
        assertEquals("2", released.mid());
        assertEquals(Direction.INACTIVE, released.direction());
        assertNull(released.msid());
        assertTrue(released.attributes("ssrc").isEmpty(), released.attributes().toString());

        negotiator.receiveAnswer(answerTo(removal, "active", m -> m.withDirection(
                m.direction() == Direction.INACTIVE ? Direction.INACTIVE : Direction.SENDONLY)).toSdp());

        assertEquals(List.of(), negotiator.negotiatedCodecs("c1"));
        assertFalse(negotiator.needsOffer(List.of()));
        assertEquals(3, SessionDescription.parse(negotiator.createOffer(List.of())).media().size());
    }

    @Test
    void answersAReofferThatCarriesTheDownstreamMLine() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        negotiator.receiveOffer(offerAudioVideo, List.of());
        DownstreamTrack track = new DownstreamTrack("c1", "video", 1234, "peerB", "peerB-1", 5678);
        SessionDescription offer = SessionDescription.parse(negotiator.createOffer(List.of(track)));
        negotiator.receiveAnswer(answerTo(offer, "active", m -> m.withDirection(
                m.direction() == Direction.SENDONLY ? Direction.RECVONLY : Direction.SENDONLY)).toSdp());

        // Chromium re-offers with the third m-line as recvonly: it receives peerB's video there.
        SessionDescription chromium = SessionDescription.parse(offerAudioVideo);
        List<MediaDescription> media = new ArrayList<>(chromium.media());
        media.add(chromium.media().get(1).withMid("2").withDirection(Direction.RECVONLY)
                .withoutAttribute("ssrc").withoutAttribute("ssrc-group").withoutAttribute("msid"));
        String reoffer = chromium.withMedia(media).withBundle(List.of("0", "1", "2")).toSdp();

        SessionDescription answer = SessionDescription.parse(negotiator.receiveOffer(reoffer, List.of(track)).answerSdp());

        assertEquals(3, answer.media().size());
        MediaDescription downstream = answer.media().get(2);
        assertEquals(Direction.SENDONLY, downstream.direction());
        assertEquals("peerB peerB-1", downstream.msid());
        assertEquals(Set.of(1234L, 5678L), downstream.ssrcAttributes().keySet());
        assertEquals("passive", answer.setup(downstream));
        assertFalse(negotiator.negotiatedCodecs("c1").isEmpty());
    }

    // ---- descriptions the server refuses ----

    @Test
    void refusesDescriptionsThatAreNotSdp() {
        Negotiator negotiator = new Negotiator(local);
        for (String sdp : new String[] {null, "", "   \r\n", "garbage", "v=1\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n"}) {
            NegotiationException e = assertThrows(NegotiationException.class,
                    () -> negotiator.receiveOffer(sdp, List.of()), String.valueOf(sdp));
            assertNotNull(e.getMessage());
            assertFalse(e.getMessage().isBlank());
        }
        NegotiationException noMedia = assertThrows(NegotiationException.class,
                () -> negotiator.receiveOffer("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", List.of()));
        assertTrue(noMedia.getMessage().contains("no m-lines"), noMedia.getMessage());
        assertStillAnswers(negotiator);
    }

    @Test
    void refusesAnOfferWithFewerMLinesThanTheSession() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        negotiator.receiveOffer(offerAudioVideo, List.of());
        SessionDescription chromium = SessionDescription.parse(offerAudioVideo);
        String audioOnly = chromium.withMedia(List.of(chromium.media().get(0))).withBundle(List.of("0")).toSdp();

        NegotiationException e = assertThrows(NegotiationException.class,
                () -> negotiator.receiveOffer(audioOnly, List.of()));

        assertTrue(e.getMessage().contains("1 m-lines") && e.getMessage().contains("already has 2"), e.getMessage());
        assertStillAnswers(negotiator);
    }

    @Test
    void refusesAnOfferThatChangesTheMidOfAnMLine() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        negotiator.receiveOffer(offerAudioVideo, List.of());
        String changed = withMedia(offerAudioVideo, 1, m -> m.withMid("v")).withBundle(List.of("0", "v")).toSdp();

        NegotiationException e = assertThrows(NegotiationException.class,
                () -> negotiator.receiveOffer(changed, List.of()));

        assertTrue(e.getMessage().contains("m-line 1") && e.getMessage().contains("mid v"), e.getMessage());
        assertEquals(1, negotiator.indexOf("1"), "the session is unchanged");
        assertStillAnswers(negotiator);
    }

    @Test
    void refusesDuplicateAndMissingMids() {
        Negotiator negotiator = new Negotiator(local);
        String duplicate = withMedia(offerAudioVideo, 1, m -> m.withMid("0")).toSdp();
        String missing = withMedia(offerAudioVideo, 1, m -> m.withoutAttribute("mid")).toSdp();

        NegotiationException dup = assertThrows(NegotiationException.class,
                () -> negotiator.receiveOffer(duplicate, List.of()));
        NegotiationException none = assertThrows(NegotiationException.class,
                () -> negotiator.receiveOffer(missing, List.of()));

        assertTrue(dup.getMessage().contains("mid 0 appears twice"), dup.getMessage());
        assertTrue(none.getMessage().contains("no a=mid"), none.getMessage());
        assertFalse(negotiator.isNegotiated());
        assertStillAnswers(negotiator);
    }

    @Test
    void refusesAnOfferWithoutIceCredentialsOrFingerprint() {
        Negotiator negotiator = new Negotiator(local);
        for (String key : List.of("ice-ufrag", "ice-pwd", "fingerprint")) {
            String sdp = withEveryMedia(offerAudioVideo, m -> m.withoutAttribute(key)).toSdp();

            NegotiationException e = assertThrows(NegotiationException.class,
                    () -> negotiator.receiveOffer(sdp, List.of()), key);

            assertTrue(e.getMessage().contains("ICE credentials and a fingerprint"), e.getMessage());
        }
        String badFingerprint = withEveryMedia(offerAudioVideo,
                m -> m.withoutAttribute("fingerprint").withAttribute("fingerprint", "md5 00:11")).toSdp();
        NegotiationException e = assertThrows(NegotiationException.class,
                () -> negotiator.receiveOffer(badFingerprint, List.of()));
        assertTrue(e.getMessage().contains("a=fingerprint"), e.getMessage());
        assertFalse(negotiator.isNegotiated());
        assertStillAnswers(negotiator);
    }

    @Test
    void refusesAnAnswerWithADifferentNumberOfMLines() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        SessionDescription offer = SessionDescription.parse(negotiator.createOffer(List.of()));
        SessionDescription answer = answerTo(offer, "active", m -> m.withDirection(Direction.SENDONLY));
        String oneMLine = answer.withMedia(List.of(answer.media().get(0))).toSdp();

        NegotiationException e = assertThrows(NegotiationException.class, () -> negotiator.receiveAnswer(oneMLine));

        assertTrue(e.getMessage().contains("1 m-lines") && e.getMessage().contains("offer had 2"), e.getMessage());
        assertTrue(negotiator.hasLocalOffer(), "the offer is still outstanding");
        assertEquals(2, negotiator.receiveAnswer(answer.toSdp()).upstream().size());
    }

    @Test
    void refusesAnAnswerThatSaysActpass() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        SessionDescription offer = SessionDescription.parse(negotiator.createOffer(List.of()));
        String actpass = answerTo(offer, "actpass", m -> m.withDirection(Direction.SENDONLY)).toSdp();

        NegotiationException e = assertThrows(NegotiationException.class, () -> negotiator.receiveAnswer(actpass));

        assertTrue(e.getMessage().contains("a=setup:active or passive"), e.getMessage());
        assertTrue(negotiator.hasLocalOffer());
        Negotiator.Result result = negotiator.receiveAnswer(
                answerTo(offer, "active", m -> m.withDirection(Direction.SENDONLY)).toSdp());
        assertEquals(DtlsTransport.Role.SERVER, result.transport().localDtlsRole());
    }

    @Test
    void refusesAnAnswerThatRenamesAMid() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        SessionDescription offer = SessionDescription.parse(negotiator.createOffer(List.of()));
        SessionDescription answer = answerTo(offer, "active", m -> m.withDirection(Direction.SENDONLY));
        List<MediaDescription> media = new ArrayList<>(answer.media());
        media.set(1, media.get(1).withMid("x"));

        NegotiationException e = assertThrows(NegotiationException.class,
                () -> negotiator.receiveAnswer(answer.withMedia(media).toSdp()));

        assertTrue(e.getMessage().contains("has mid x, expected 1"), e.getMessage());
        assertEquals(2, negotiator.receiveAnswer(answer.toSdp()).upstream().size());
    }

    /**
     * A refused answer must leave the outstanding offer as it was: here the refused answer rejects the video m-line
     * (port 0) and carries no ICE credentials; the valid answer that follows accepts video.
     */
    @Test
    void aRefusedAnswerDoesNotLeakIntoTheNextAnswer() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        SessionDescription offer = SessionDescription.parse(negotiator.createOffer(List.of()));
        SessionDescription good = answerTo(offer, "active", m -> m.withDirection(Direction.SENDONLY)
                .withAttribute("ssrc", ssrcFor(m) + " cname:chromium"));
        List<MediaDescription> media = new ArrayList<>();
        for (MediaDescription m : good.media()) {
            media.add(m.withoutAttribute("ice-ufrag").withoutAttribute("ice-pwd"));
        }
        media.set(1, media.get(1).withPort(0));
        String refused = good.withMedia(media).toSdp();
        assertThrows(NegotiationException.class, () -> negotiator.receiveAnswer(refused));

        Negotiator.Result result = negotiator.receiveAnswer(good.toSdp());

        assertEquals(List.of("0", "1"), result.upstream().stream().map(UpstreamTrack::mid).toList(),
                "the video m-line the valid answer accepts");
    }

    // ---- helpers ----

    /** Given the refusal, the same negotiator still answers Chromium's offer. */
    private static void assertStillAnswers(Negotiator negotiator) {
        try {
            Negotiator.Result result = negotiator.receiveOffer(offerAudioVideo, List.of());
            assertEquals(2, SessionDescription.parse(result.answerSdp()).media().size());
            assertEquals(2, result.upstream().size());
        } catch (NegotiationException e) {
            throw new AssertionError("the negotiator is unusable after a refused description", e);
        }
    }

    private static long ssrcFor(MediaDescription m) {
        return m.kind().equals("audio") ? 1111L : 2222L;
    }

    /**
     * What a browser answers to a server offer (RFC 3264 §6): the same m-lines and codecs, its own ICE credentials,
     * fingerprint and a=setup, no candidates yet (trickled later); {@code perMedia} sets direction and a=ssrc.
     */
    private static SessionDescription answerTo(SessionDescription offer, String setup,
                                               UnaryOperator<MediaDescription> perMedia) {
        List<MediaDescription> media = new ArrayList<>();
        for (MediaDescription m : offer.media()) {
            MediaDescription a = m.withoutAttribute("ice-ufrag").withoutAttribute("ice-pwd")
                    .withoutAttribute("fingerprint").withoutAttribute("setup").withoutAttribute("candidate")
                    .withoutAttribute("end-of-candidates").withoutAttribute("msid").withoutAttribute("ssrc")
                    .withAttribute("ice-ufrag", CHROMIUM_UFRAG).withAttribute("ice-pwd", CHROMIUM_PWD)
                    .withAttribute("fingerprint", CHROMIUM_FINGERPRINT).withAttribute("setup", setup);
            media.add(perMedia.apply(a));
        }
        List<Attribute> session = List.of(new Attribute("group", "BUNDLE " + String.join(" ", offer.bundleMids())),
                new Attribute("msid-semantic", " WMS"));
        return new SessionDescription("- 7794592974704186760 2 IN IP4 127.0.0.1", "-", session, media);
    }

    /**
     * The participant's offer grown to the session's m-lines, as a browser's re-offer is (RFC 8829 §5.2.2: m-lines
     * are never removed): the server's downstream m-lines are appended, inactive from the participant's side.
     */
    private static String withMediaCount(String sdp, Negotiator negotiator) throws NegotiationException {
        SessionDescription d = SessionDescription.parse(sdp);
        List<MediaDescription> media = new ArrayList<>(d.media());
        SessionDescription session = SessionDescription.parse(negotiator.createOffer(List.of()));
        negotiator.rollback();
        for (int i = media.size(); i < session.media().size(); i++) {
            MediaDescription server = session.media().get(i);
            MediaDescription template = media.get(0);
            media.add(server.withoutAttribute("ice-ufrag").withoutAttribute("ice-pwd").withoutAttribute("fingerprint")
                    .withoutAttribute("setup").withoutAttribute("candidate").withoutAttribute("end-of-candidates")
                    .withoutAttribute("msid").withoutAttribute("ssrc").withoutAttribute("ssrc-group")
                    .withAttribute("ice-ufrag", d.iceUfrag(template)).withAttribute("ice-pwd", d.icePwd(template))
                    .withAttribute("fingerprint", d.fingerprint(template)).withAttribute("setup", "actpass")
                    .withDirection(Direction.RECVONLY));
        }
        return d.withMedia(media).toSdp();
    }

    private static SessionDescription withMedia(String sdp, int index, UnaryOperator<MediaDescription> change) {
        SessionDescription d = SessionDescription.parse(sdp);
        List<MediaDescription> media = new ArrayList<>(d.media());
        media.set(index, change.apply(media.get(index)));
        return d.withMedia(media);
    }

    private static SessionDescription withEveryMedia(String sdp, UnaryOperator<MediaDescription> change) {
        SessionDescription d = SessionDescription.parse(sdp);
        return d.withMedia(d.media().stream().map(change).toList());
    }

    // ---- simulcast (RFC 8853, RFC 8851) ----

    @Test
    void acceptsChromiumsThreeLayerSimulcastByRid() throws Exception {
        Negotiator negotiator = new Negotiator(local);

        Negotiator.Result result = negotiator.receiveOffer(resource("chromium-offer-simulcast.sdp"), List.of());

        SessionDescription answer = SessionDescription.parse(result.answerSdp());
        MediaDescription video = answer.media().get(1);
        assertEquals(Direction.RECVONLY, video.direction());
        assertEquals(List.of("q recv", "h recv", "f recv"), video.attributes("rid"),
                "RFC 8851 §6: the answerer receives each offered rid");
        assertEquals(List.of("recv q;h;f"), video.attributes("simulcast"), "RFC 8853 §5.3: all three layers");
        assertEquals(Set.of(new Extmap(3, SupportedCodecs.TRANSPORT_CC_URI), new Extmap(4, SupportedCodecs.MID_URI),
                        new Extmap(10, SupportedCodecs.RTP_STREAM_ID_URI),
                        new Extmap(11, SupportedCodecs.REPAIRED_RTP_STREAM_ID_URI)),
                Set.copyOf(video.extmaps()), "mid, rid and repaired rid bind the layers' packets, with Chromium's ids");
        MediaDescription audio = answer.media().get(0);
        assertTrue(audio.attributes("rid").isEmpty() && audio.attributes("simulcast").isEmpty());
        assertEquals(List.of(new Extmap(1, SupportedCodecs.AUDIO_LEVEL_URI), new Extmap(3, SupportedCodecs.TRANSPORT_CC_URI)),
                audio.extmaps(), "the audio m-line is answered as before");

        UpstreamTrack track = result.upstream().get(1);
        assertTrue(track.isSimulcast());
        assertEquals(List.of(new UpstreamTrack.Layer("q", -1, -1), new UpstreamTrack.Layer("h", -1, -1),
                new UpstreamTrack.Layer("f", -1, -1)), track.layers());
        assertEquals(-1, track.ssrc(), "learned from the packets' rids");
        assertEquals(Map.of(SupportedCodecs.TRANSPORT_CC_URI, 3, SupportedCodecs.AUDIO_LEVEL_URI, 1,
                        SupportedCodecs.MID_URI, 4, SupportedCodecs.RTP_STREAM_ID_URI, 10,
                        SupportedCodecs.REPAIRED_RTP_STREAM_ID_URI, 11),
                negotiator.upstreamExtensionIds());
    }

    @Test
    void theServersOwnReofferKeepsReceivingTheLayers() throws Exception {
        Negotiator negotiator = new Negotiator(local);
        negotiator.receiveOffer(resource("chromium-offer-simulcast.sdp"), List.of());

        String offer = negotiator.createOffer(List.of(
                new DownstreamTrack("r<p-1", "video", 1111L, "p", "p-1", 2222L)));

        MediaDescription upstream = SessionDescription.parse(offer).media().get(1);
        assertEquals(Direction.RECVONLY, upstream.direction());
        assertEquals(List.of("q recv", "h recv", "f recv"), upstream.attributes("rid"));
        assertEquals(List.of("recv q;h;f"), upstream.attributes("simulcast"));
        MediaDescription downstream = SessionDescription.parse(offer).media().get(2);
        assertTrue(downstream.attributes("rid").isEmpty() && downstream.attributes("simulcast").isEmpty(),
                "receivers get one plain stream");
        assertEquals(List.of(new SsrcGroup("FID", List.of(1111L, 2222L))), downstream.ssrcGroups());
    }

    @Test
    void moreThanThreeLayersAreCutToTheLowestThreeAndOneRidIsNoSimulcast() throws Exception {
        String four = resource("chromium-offer-simulcast.sdp").replace("a=simulcast:send q;h;f",
                "a=rid:x send\r\na=simulcast:send q;h;f;x");
        Negotiator.Result result = new Negotiator(local).receiveOffer(four, List.of());
        assertEquals(List.of("q", "h", "f"),
                result.upstream().get(1).layers().stream().map(UpstreamTrack.Layer::rid).toList());
        assertEquals(List.of("recv q;h;f"),
                SessionDescription.parse(result.answerSdp()).media().get(1).attributes("simulcast"));

        String withoutRidExtension = resource("chromium-offer-simulcast.sdp")
                .replace("a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n", "");
        Negotiator.Result plain = new Negotiator(local).receiveOffer(withoutRidExtension, List.of());
        assertFalse(plain.upstream().get(1).isSimulcast(), "without the rid extension the layers cannot be told apart");
        assertTrue(SessionDescription.parse(plain.answerSdp()).media().get(1).attributes("simulcast").isEmpty());
    }

    @Test
    void ssrcSignalledSimulcastUsesTheSimGroupsOrder() throws Exception {
        String sim = offerAudioVideo.replace("a=ssrc-group:FID 2397679162 1634747272",
                "a=ssrc-group:SIM 2397679162 100 200\r\na=ssrc-group:FID 2397679162 1634747272\r\n"
                        + "a=ssrc-group:FID 100 101\r\na=ssrc-group:FID 200 201");

        Negotiator.Result result = new Negotiator(local).receiveOffer(sim, List.of());

        UpstreamTrack track = result.upstream().get(1);
        assertEquals(List.of(new UpstreamTrack.Layer(null, CHROMIUM_VIDEO_SSRC, CHROMIUM_VIDEO_RTX_SSRC),
                new UpstreamTrack.Layer(null, 100, 101), new UpstreamTrack.Layer(null, 200, 201)), track.layers());
        assertEquals(CHROMIUM_VIDEO_SSRC, track.ssrc());
        assertTrue(SessionDescription.parse(result.answerSdp()).media().get(1).attributes("simulcast").isEmpty(),
                "SSRC-signalled simulcast needs no a=simulcast in the answer");
    }

    /**
     * The participant's answer to a server offer made after it offered simulcast: the server's offer repeats
     * {@code a=rid:... recv} and {@code a=simulcast:recv}, and the answer that keeps sending the layers keeps them;
     * one that sends a single encoding turns them off.
     */
    @Test
    void anAnswerToTheServersReofferKeepsOrDropsTheLayers() throws Exception {
        String chromiumOffer = resource("chromium-offer-simulcast.sdp");
        SessionDescription chromium = SessionDescription.parse(chromiumOffer);
        MediaDescription chromiumVideo = chromium.media().get(1);
        for (boolean keep : List.of(true, false)) {
            Negotiator negotiator = new Negotiator(local);
            negotiator.receiveOffer(chromiumOffer, List.of());
            String offer = negotiator.createOffer(List.of(
                    new DownstreamTrack("r<p-1", "video", 1111L, "p", "p-1", 2222L)));
            // The answer as a browser writes it: its own transport, and each direction and rid turned round.
            String answer = offer.replace("a=ice-ufrag:" + SERVER_UFRAG, "a=ice-ufrag:" + chromium.iceUfrag(chromiumVideo))
                    .replace("a=ice-pwd:" + SERVER_PWD, "a=ice-pwd:" + chromium.icePwd(chromiumVideo))
                    .replaceAll("a=fingerprint:[^\\r\\n]*", "a=fingerprint:" + chromium.fingerprint(chromiumVideo))
                    .replace("a=setup:actpass", "a=setup:active")
                    .replace("a=recvonly", "a=SENDONLY").replace("a=sendonly", "a=recvonly")
                    .replace("a=SENDONLY", "a=sendonly")
                    .replace(" recv\r\n", " send\r\n").replace("a=simulcast:recv ", "a=simulcast:send ");
            if (!keep) {
                answer = answer.replace("a=simulcast:send q;h;f\r\n", "");
            }

            Negotiator.Result result = negotiator.receiveAnswer(answer);

            UpstreamTrack video = result.upstream().stream().filter(t -> t.kind().equals("video")).findFirst()
                    .orElseThrow();
            assertEquals(keep ? List.of("q", "h", "f") : List.of(),
                    video.layers().stream().map(UpstreamTrack.Layer::rid).toList(), "keep " + keep);
            String next = negotiator.createOffer(List.of());
            assertEquals(keep ? List.of("recv q;h;f") : List.of(),
                    SessionDescription.parse(next).media().get(1).attributes("simulcast"),
                    "the next offer asks for what the answer sent");
        }
    }
}
