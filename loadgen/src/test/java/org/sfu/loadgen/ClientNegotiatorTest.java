package org.sfu.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sfu.dtls.DtlsCertificate;
import org.sfu.ice.IceCandidate;
import org.sfu.media.negotiation.DownstreamTrack;
import org.sfu.media.negotiation.LocalTransportParameters;
import org.sfu.media.negotiation.Negotiator;
import org.sfu.media.negotiation.UpstreamTrack;
import org.sfu.media.sdp.Direction;
import org.sfu.media.sdp.MediaDescription;
import org.sfu.media.sdp.SessionDescription;

/** The client's offer/answer played against the server's own Negotiator, without a network. */
class ClientNegotiatorTest {
    private static final long AUDIO_SSRC = 1111;
    private static final long VIDEO_SSRC = 2222;
    private static final long VIDEO_RTX_SSRC = 3333;

    private final ClientNegotiator client = new ClientNegotiator(new ClientNegotiator.Local("cliU",
            "clientpassword0123456789", DtlsCertificate.generate().fingerprint(),
            List.of(IceCandidate.udpHost("1", 2130706431L, "127.0.0.1", 5000)), "me", AUDIO_SSRC, VIDEO_SSRC,
            VIDEO_RTX_SSRC));
    private final Negotiator server = new Negotiator(new LocalTransportParameters("srvU", "serverpassword0123456789",
            DtlsCertificate.generate().fingerprint(),
            List.of(IceCandidate.udpHost("1", 2130706431L, "127.0.0.1", 10000))));
    private final List<DownstreamTrack> others = List.of(
            new DownstreamTrack("t-a", "audio", 7001, "other", "other-audio", -1),
            new DownstreamTrack("t-v", "video", 7002, "other", "other-video", 7003));

    @Test
    void theClientOffersThenAnswersTheServersRenegotiation() throws Exception {
        Negotiator.Result answered = server.receiveOffer(client.createOffer(), List.of());
        assertEquals(List.of(AUDIO_SSRC, VIDEO_SSRC), answered.upstream().stream().map(UpstreamTrack::ssrc).toList());
        assertEquals(VIDEO_RTX_SSRC, answered.upstream().get(1).rtxSsrc());
        assertNotNull(client.onAnswer(answered.answerSdp()).fingerprint());

        // Someone joins: the server adds a sendonly m-line per track; the client receives on them.
        ClientNegotiator.Answer answer = client.onOffer(server.createOffer(others));
        assertFalse(answer.rolledBack());
        assertEquals(List.of(Direction.SENDONLY, Direction.SENDONLY, Direction.RECVONLY, Direction.RECVONLY),
                directions(answer.sdp()));
        Negotiator.Result result = server.receiveAnswer(answer.sdp());
        // The client's own tracks are unchanged by the renegotiation (same SSRCs: the server keeps its producers).
        assertEquals(List.of(AUDIO_SSRC, VIDEO_SSRC), result.upstream().stream().map(UpstreamTrack::ssrc).toList());
        assertFalse(server.negotiatedCodecs("t-v").isEmpty(), "the server may now forward video to the client");
    }

    @Test
    void onGlareTheClientRollsBackAndSendsOnTheServersMLines() throws Exception {
        client.createOffer();
        // The server's first offer crosses ours (docs/PROTOCOL.md: the server's offer wins).
        ClientNegotiator.Answer answer = client.onOffer(server.createOffer(others));
        assertTrue(answer.rolledBack());
        List<Direction> directions = directions(answer.sdp());
        assertEquals(List.of(Direction.SENDONLY, Direction.SENDONLY, Direction.RECVONLY, Direction.RECVONLY),
                directions);
        Negotiator.Result result = server.receiveAnswer(answer.sdp());
        assertEquals(List.of(AUDIO_SSRC, VIDEO_SSRC), result.upstream().stream().map(UpstreamTrack::ssrc).toList());
    }

    private static List<Direction> directions(String sdp) {
        return SessionDescription.parse(sdp).media().stream().map(MediaDescription::direction).toList();
    }
}
