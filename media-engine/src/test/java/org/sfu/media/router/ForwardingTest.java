package org.sfu.media.router;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sfu.media.negotiation.SupportedCodecs;
import org.sfu.media.rtcp.RtcpFeedback;
import org.sfu.media.rtcp.RtcpHeader;
import org.sfu.media.rtcp.SenderReport;
import org.sfu.media.rtp.HeaderExtensions;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.rtp.RtpHeader;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.media.rtx.RetransmissionBudget;
import org.sfu.media.rtx.RtxPacket;
import org.sfu.media.sdp.Extmap;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.packet.PacketBuffer;

/**
 * The router core without a network: a producer, its consumers and RTCP routing, on in-memory transports. Given what
 * a sender sends and what each receiver negotiated, when packets and RTCP arrive, then each receiver gets its own
 * stream, and each request reaches the one sender it concerns.
 */
class ForwardingTest {
    private static final long MS = 1_000_000L;
    /** The manual clock's time when RTCP arrives: after the packets the tests send, within the caches' reach. */
    private static final long NOW = 200 * MS;
    private static final long SENDER_SSRC = 0x1111_1111L;
    private static final long SENDER_RTX_SSRC = 0x2222_2222L;
    /** The sender's session: VP8 96 with RTX 97; transport-cc as 3, audio level as 1 (Chromium's ids). */
    private static final List<RtpCodec> SENDER_VIDEO = List.of(new RtpCodec(96, "VP8", 90000),
            new RtpCodec(97, "rtx", 90000, 1, Map.of("apt", "96"), List.of()));
    /** A receiver that numbered VP8 100 and its RTX 101. */
    private static final List<RtpCodec> RECEIVER_VIDEO = List.of(new RtpCodec(100, "VP8", 90000),
            new RtpCodec(101, "rtx", 90000, 1, Map.of("apt", "100"), List.of()));

    private final FakeTransport senderTransport = new FakeTransport();

    private Producer video(long ssrc, String owner) {
        Producer p = new Producer(owner + "-1", owner, senderTransport, 0x5E4E_0001L, MediaKind.VIDEO, "1", ssrc,
                SENDER_RTX_SSRC, SENDER_VIDEO);
        p.setExtensionIds(Map.of(SupportedCodecs.TRANSPORT_CC_URI, 3));
        return p;
    }

    private static Consumer consume(Producer p, FakeTransport receiver, long ssrc, long rtxSsrc,
                                    List<RtpCodec> codecs, List<Extmap> extensions) {
        Consumer c = new Consumer("r<" + p.id(), p, receiver, ssrc, rtxSsrc);
        p.addConsumer(c);
        c.activate(codecs, extensions);
        return c;
    }

    /** VP8, PT 96, with a transport-cc element (id 3) in a one-byte extension block, and a keyframe payload. */
    private static PacketBuffer vp8(int sequence, long timestamp, long ssrc) {
        byte[] p = new byte[12 + 8 + 10];
        p[0] = (byte) 0x90;
        p[1] = 96;
        RtpPacket.setSequenceNumber(p, 0, sequence);
        RtpPacket.setTimestamp(p, 0, timestamp);
        RtpPacket.setSsrc(p, 0, ssrc);
        p[12] = (byte) 0xBE;
        p[13] = (byte) 0xDE;
        p[15] = 1; // one word of elements
        p[16] = 0x31; // id 3, two bytes: the transport-wide sequence number
        p[17] = 0x12;
        p[18] = 0x34;
        // VP8 payload descriptor with S=1, PID 0, then a keyframe header (P bit clear)
        p[20] = 0x10;
        p[21] = 0x00;
        for (int i = 22; i < p.length; i++) {
            p[i] = (byte) i;
        }
        return new PacketBuffer(Arrays.copyOf(p, p.length + PacketBuffer.TRAILER_ROOM), 0, p.length);
    }

    @Test
    void eachReceiverGetsAStreamOfItsOwnWithItsPayloadTypesAndSequence() {
        Producer producer = video(SENDER_SSRC, "alice");
        FakeTransport bob = new FakeTransport();
        FakeTransport carol = new FakeTransport();
        Consumer toBob = consume(producer, bob, 0xB0B0_0001L, 0xB0B0_0002L, RECEIVER_VIDEO, List.of());
        Consumer toCarol = consume(producer, carol, 0xCA20_0001L, 0xCA20_0002L, SENDER_VIDEO, List.of());

        for (int i = 0; i < 3; i++) {
            forward(producer, vp8(60_000 + i, 1000 + 3000L * i, SENDER_SSRC), false, i * 33 * MS);
        }

        assertEquals(3, bob.rtp.size());
        assertEquals(3, carol.rtp.size());
        for (int i = 0; i < 3; i++) {
            byte[] b = bob.rtp.get(i);
            byte[] c = carol.rtp.get(i);
            assertEquals(0xB0B0_0001L, RtpPacket.ssrc(b, 0), "bob knows the stream by his SSRC");
            assertEquals(0xCA20_0001L, RtpPacket.ssrc(c, 0));
            assertEquals(100, RtpPacket.payloadType(b, 0), "in bob's payload type");
            assertEquals(96, RtpPacket.payloadType(c, 0));
            int first = RtpPacket.sequenceNumber(bob.rtp.get(0), 0);
            assertEquals((first + i) & 0xFFFF, RtpPacket.sequenceNumber(b, 0), "consecutive, in bob's numbering");
            assertEquals((RtpPacket.timestamp(bob.rtp.get(0), 0) + 3000L * i) & 0xFFFF_FFFFL,
                    RtpPacket.timestamp(b, 0));
            assertArrayEquals(Arrays.copyOfRange(vp8(0, 0, 0).buffer(), 20, 30), Arrays.copyOfRange(b, 20, 30),
                    "the payload is untouched");
        }
        assertEquals(3, toBob.sent());
        assertEquals(3, toCarol.sent());
        assertFalse(toBob.awaitingKeyframe(), "the keyframe reached bob");
    }

    @Test
    void headerExtensionsAreCarriedToTheReceiversIdsAndOnlyThoseItNegotiated() {
        Producer producer = video(SENDER_SSRC, "alice");
        producer.setExtensionIds(Map.of(SupportedCodecs.TRANSPORT_CC_URI, 3, SupportedCodecs.AUDIO_LEVEL_URI, 1));
        FakeTransport knowsIt = new FakeTransport();
        FakeTransport doesNot = new FakeTransport();
        consume(producer, knowsIt, 1, 2, SENDER_VIDEO, List.of(new Extmap(7, SupportedCodecs.TRANSPORT_CC_URI)));
        consume(producer, doesNot, 3, 4, SENDER_VIDEO, List.of());

        forward(producer, vp8(1, 1, SENDER_SSRC), false, 0);

        byte[] renumbered = knowsIt.lastRtp();
        long element = HeaderExtensions.find(renumbered, 0, renumbered.length, 7);
        assertNotEquals(HeaderExtensions.NOT_FOUND, element, "the receiver's id for the same extension");
        assertEquals(0x1234, ((renumbered[HeaderExtensions.dataOffset(element)] & 0xFF) << 8)
                | renumbered[HeaderExtensions.dataOffset(element) + 1] & 0xFF);
        assertEquals(HeaderExtensions.NOT_FOUND, HeaderExtensions.find(renumbered, 0, renumbered.length, 3));
        byte[] stripped = doesNot.lastRtp();
        assertEquals(HeaderExtensions.NOT_FOUND, HeaderExtensions.find(stripped, 0, stripped.length, 3),
                "an extension the receiver did not negotiate is removed (RFC 8285: the ids mean nothing to it)");
        assertEquals(10, RtpPacket.payloadLength(stripped, 0, stripped.length));
    }

    @Test
    void twoSendersWithTheSameSsrcAreTwoStreamsToTheReceiverAndItsRequestsReachTheRightOne() {
        FakeTransport aliceTransport = new FakeTransport();
        FakeTransport daveTransport = new FakeTransport();
        Producer alice = new Producer("alice-1", "alice", aliceTransport, 9, MediaKind.VIDEO, "1", SENDER_SSRC, -1,
                SENDER_VIDEO);
        Producer dave = new Producer("dave-1", "dave", daveTransport, 9, MediaKind.VIDEO, "1", SENDER_SSRC, -1,
                SENDER_VIDEO);
        FakeTransport bob = new FakeTransport();
        Consumer fromAlice = consume(alice, bob, 0xB0B0_0001L, 0xB0B0_0002L, SENDER_VIDEO, List.of());
        Consumer fromDave = consume(dave, bob, 0xB0B0_0003L, 0xB0B0_0004L, SENDER_VIDEO, List.of());
        forward(alice, vp8(5, 5, SENDER_SSRC), false, 0);
        forward(dave, vp8(5, 5, SENDER_SSRC), false, 0);
        assertNotEquals(RtpPacket.ssrc(bob.rtp.get(0), 0), RtpPacket.ssrc(bob.rtp.get(1), 0));
        Receiver bobSession = new Receiver(fromAlice, fromDave);

        // Bob asks for a keyframe of the stream he knows as dave's.
        assertTrue(route(bobSession, RtcpFeedback.pli(0xB0B0_0000L, fromDave.ssrc())));

        assertEquals(0, aliceTransport.rtcp.size(), "alice is not asked");
        assertEquals(1, daveTransport.rtcp.size());
        byte[] pli = daveTransport.rtcp.get(0);
        assertTrue(RtcpFeedback.isPli(pli, 0, pli.length));
        assertEquals(SENDER_SSRC, RtcpHeader.mediaSsrc(pli, 0), "in dave's own SSRC");
    }

    @Test
    void aKeyframeRequestForAStreamTheRequesterDoesNotReceiveIsRefused() {
        Producer alice = video(SENDER_SSRC, "alice");
        FakeTransport bob = new FakeTransport();
        Consumer toBob = consume(alice, bob, 0xB0B0_0001L, 0xB0B0_0002L, SENDER_VIDEO, List.of());
        Receiver mallory = new Receiver();

        // Mallory read alice's SSRC and bob's from the server's offers; neither is a stream she receives.
        assertFalse(route(mallory, RtcpFeedback.pli(1, SENDER_SSRC)));
        assertFalse(route(mallory, RtcpFeedback.pli(1, toBob.ssrc())));
        assertFalse(route(mallory, RtcpFeedback.fir(1, toBob.ssrc(), 1)));
        assertEquals(0, senderTransport.rtcp.size());
        assertEquals(0, alice.keyframeRequests());

        // Bob's is one; a paused (deactivated) stream takes none.
        Receiver bobSession = new Receiver(toBob);
        assertTrue(route(bobSession, RtcpFeedback.fir(1, toBob.ssrc(), 1)));
        assertEquals(1, senderTransport.rtcp.size());
        toBob.deactivate();
        assertFalse(route(bobSession, RtcpFeedback.pli(1, toBob.ssrc())));
    }

    @Test
    void keyframeRequestsWithin300MsAreCoalescedIntoOnePli() {
        Producer alice = video(SENDER_SSRC, "alice");
        alice.requestKeyframe(1_000 * MS);
        alice.requestKeyframe(1_100 * MS);
        alice.requestKeyframe(1_299 * MS);
        assertEquals(1, senderTransport.rtcp.size(), "RFC 4585 §3.5.5: one keyframe for a burst of requests");
        alice.requestKeyframe(1_300 * MS);
        assertEquals(2, senderTransport.rtcp.size());
        senderTransport.connected = false;
        alice.requestKeyframe(2_000 * MS);
        assertEquals(2, senderTransport.rtcp.size(), "nothing can reach a sender that is not connected");
    }

    @Test
    void aNackNamesTheReceiversSequenceNumbersAndIsAnsweredWithRtxOfTheSourcesPacket() {
        Producer alice = video(SENDER_SSRC, "alice");
        FakeTransport bob = new FakeTransport();
        Consumer toBob = consume(alice, bob, 0xB0B0_0001L, 0xB0B0_0002L, RECEIVER_VIDEO, List.of());
        for (int i = 0; i < 5; i++) {
            forward(alice, vp8(65_534 + i, 3000L * i, SENDER_SSRC), false, i * 33 * MS);
        }
        int first = RtpPacket.sequenceNumber(bob.rtp.get(0), 0);
        int lost = (first + 2) & 0xFFFF; // alice's 0, after the wrap

        assertTrue(route(new Receiver(toBob), RtcpFeedback.nack(1, toBob.ssrc(), new int[] {lost})));

        assertEquals(6, bob.rtp.size(), "five forwarded, one retransmitted");
        byte[] rtx = bob.lastRtp();
        assertEquals(0xB0B0_0002L, RtpPacket.ssrc(rtx, 0), "on bob's RTX SSRC");
        assertEquals(101, RtpPacket.payloadType(rtx, 0), "RFC 4588: the receiver's RTX payload type for VP8");
        assertEquals(lost, RtxPacket.originalSequenceNumber(rtx, 0, rtx.length), "the OSN is bob's number");
        assertEquals(RtpPacket.timestamp(bob.rtp.get(2), 0), RtpPacket.timestamp(rtx, 0), "RFC 4588 §4: same time");
        assertEquals(1, toBob.retransmitted());

        // A number bob was never sent is not looked up in alice's numbering.
        route(new Receiver(toBob), RtcpFeedback.nack(1, toBob.ssrc(), new int[] {(first - 1) & 0xFFFF}));
        assertEquals(6, bob.rtp.size());
        assertEquals(1, toBob.retransmissionMisses());
    }

    @Test
    void aPacketNackedAgainWithinTheHoldOffIsResentOnce() {
        Producer alice = video(SENDER_SSRC, "alice");
        FakeTransport bob = new FakeTransport();
        Consumer toBob = consume(alice, bob, 0xB0B0_0001L, 0xB0B0_0002L, RECEIVER_VIDEO, List.of());
        for (int i = 0; i < 3; i++) {
            forward(alice, vp8(100 + i, 3000L * i, SENDER_SSRC), false, i * 33 * MS);
        }
        int lost = RtpPacket.sequenceNumber(bob.rtp.get(1), 0);

        // The same packet twice in one NACK, then again 10 ms later: one retransmission.
        byte[] nack = RtcpFeedback.nack(1, toBob.ssrc(), new int[] {lost});
        route(new Receiver(toBob), RtcpFeedback.nack(1, toBob.ssrc(), new int[] {lost, lost}));
        RtcpRouting.route(new Receiver(toBob), rtcp(nack), NOW + 10 * MS);
        assertEquals(1, toBob.retransmitted());
        // After the hold-off, a receiver whose retransmission was lost too gets it again.
        RtcpRouting.route(new Receiver(toBob), rtcp(nack), NOW + 150 * MS);
        assertEquals(2, toBob.retransmitted());
    }

    @Test
    void aFloodOfNacksGetsNoMoreThanTheStreamsRetransmissionBudget() {
        Producer alice = video(SENDER_SSRC, "alice");
        FakeTransport bob = new FakeTransport();
        Consumer toBob = consume(alice, bob, 0xB0B0_0001L, 0xB0B0_0002L, RECEIVER_VIDEO, List.of());
        for (int i = 0; i < 400; i++) {
            forward(alice, vp8(i, 3000L * i, SENDER_SSRC), false, i * MS / 4);
        }
        int first = RtpPacket.sequenceNumber(bob.rtp.get(0), 0);
        int[] all = new int[400];
        for (int i = 0; i < all.length; i++) {
            all[i] = (first + i) & 0xFFFF;
        }

        // One NACK naming all 400 packets (about 100 bytes of RTCP): a burst's worth goes out.
        route(new Receiver(toBob), RtcpFeedback.nack(1, toBob.ssrc(), all));

        assertEquals(RetransmissionBudget.DEFAULT_BURST, toBob.retransmitted());
        assertEquals(400 + RetransmissionBudget.DEFAULT_BURST, bob.rtp.size());
        // A moment later the bucket has barely refilled.
        RtcpRouting.route(new Receiver(toBob), rtcp(RtcpFeedback.nack(1, toBob.ssrc(), all)), NOW + 20 * MS);
        assertEquals(RetransmissionBudget.DEFAULT_BURST + 4, toBob.retransmitted(), "200 a second: 4 in 20 ms");
    }

    @Test
    void aReceiverWithoutRtxGetsTheSameProtectedBytesAgain() {
        Producer alice = video(SENDER_SSRC, "alice");
        FakeTransport noRtx = new FakeTransport();
        Consumer c = consume(alice, noRtx, 0xB0B0_0001L, -1, List.of(new RtpCodec(96, "VP8", 90000)), List.of());
        forward(alice, vp8(10, 10, SENDER_SSRC), false, 0);
        int sent = RtpPacket.sequenceNumber(noRtx.rtp.get(0), 0);

        c.retransmit(new int[] {sent}, 1, 100 * MS);

        assertEquals(1, noRtx.resent.size());
        assertArrayEquals(noRtx.rtp.get(0), noRtx.resent.get(0), "the packet exactly as it went out");
    }

    @Test
    void aSendersReportBecomesEachReceivingStreamsOwn() {
        Producer alice = video(SENDER_SSRC, "alice");
        FakeTransport bob = new FakeTransport();
        Consumer toBob = consume(alice, bob, 0xB0B0_0001L, 0xB0B0_0002L, SENDER_VIDEO, List.of());
        forward(alice, vp8(7, 90_000, SENDER_SSRC), false, 0);
        long bobsTimestamp = RtpPacket.timestamp(bob.rtp.get(0), 0);
        byte[] sr = SenderReport.build(SENDER_SSRC, 0xDA8B_D1FC_DDDD_A05AL, 90_000 + 900, 1, 10);
        Receiver aliceSession = new Receiver();
        aliceSession.producers.put(SENDER_SSRC, alice);

        assertTrue(route(aliceSession, sr));

        assertEquals(1, bob.rtcp.size());
        SenderReport forwarded = SenderReport.parse(bob.rtcp.get(0), 0, bob.rtcp.get(0).length);
        assertEquals(toBob.ssrc(), forwarded.senderSsrc(), "bob's SSRC for the stream");
        assertEquals(0xDA8B_D1FC_DDDD_A05AL, forwarded.ntpTimestamp(), "the sender's wall clock, for lip sync");
        assertEquals((bobsTimestamp + 900) & 0xFFFF_FFFFL, forwarded.rtpTimestamp(), "in bob's timeline");
        assertEquals(1, forwarded.packetCount(), "what bob's stream carried");
        assertEquals(10, forwarded.octetCount());
        assertEquals(List.of(), forwarded.reportBlocks(), "alice's reports about her own reception stay here");
    }

    @Test
    void aPausedConsumerSendsNothingTakesNoKeyframeRequestAndResumesWaitingForAKeyframe() {
        Producer alice = video(SENDER_SSRC, "alice");
        FakeTransport bob = new FakeTransport();
        Consumer toBob = consume(alice, bob, 0xB0B0_0001L, 0xB0B0_0002L, SENDER_VIDEO, List.of());
        forward(alice, vp8(1, 0, SENDER_SSRC), false, 0);
        assertFalse(toBob.awaitingKeyframe());

        toBob.setPaused(true);
        forward(alice, vp8(2, 3000, SENDER_SSRC), false, 33 * MS);
        assertEquals(1, bob.rtp.size(), "paused: nothing sent");
        assertNull(toBob.senderReport(1, 1), "no reports for a paused stream");
        assertFalse(route(new Receiver(toBob), RtcpFeedback.pli(1, toBob.ssrc())), "a paused stream needs no keyframe");
        assertEquals(0, senderTransport.rtcp.size());

        toBob.setPaused(false);
        assertTrue(toBob.awaitingKeyframe(), "the receiver's decoder missed what was held back");
        forward(alice, vp8(3, 6000, SENDER_SSRC), false, 66 * MS);
        assertEquals(2, bob.rtp.size());
        assertEquals((RtpPacket.sequenceNumber(bob.rtp.get(0), 0) + 2) & 0xFFFF,
                RtpPacket.sequenceNumber(bob.rtp.get(1), 0), "the gap is the packet bob did not get");
        assertFalse(toBob.awaitingKeyframe(), "that packet was a keyframe");
    }

    @Test
    void anH264StreamReachesAReceiverThatNegotiatedAnotherLevelAndSpellingOfItsProfile() {
        // Chromium sends constrained baseline as 42e01f; an iPhone that numbered it 98 wrote 42c034 (level 5.2).
        Producer producer = new Producer("alice-1", "alice", senderTransport, 0x5E4E_0001L, MediaKind.VIDEO, "1",
                SENDER_SSRC, -1, List.of(h264(102, "42e01f")));
        FakeTransport iphone = new FakeTransport();
        FakeTransport highOnly = new FakeTransport();
        Consumer toIphone = consume(producer, iphone, 0x1F0E_0001L, -1, List.of(h264(98, "42c034")), List.of());
        Consumer toHighOnly = consume(producer, highOnly, 0x0420_0001L, -1, List.of(h264(99, "640c1f")), List.of());

        PacketBuffer packet = vp8(7, 90_000, SENDER_SSRC);
        RtpPacket.setPayloadType(packet.buffer(), packet.offset(), 102);
        forward(producer, packet, false, 0);

        assertEquals(1, iphone.rtp.size(), "forwarded: the same profile at another level is the same codec");
        assertEquals(98, RtpPacket.payloadType(iphone.rtp.get(0), 0), "in the iPhone's payload type");
        assertEquals(1, toIphone.sent());
        assertEquals(0, highOnly.rtp.size(), "a receiver of another profile only gets nothing it cannot decode");
        assertEquals(0, toHighOnly.sent());
    }

    private static RtpCodec h264(int payloadType, String profileLevelId) {
        return new RtpCodec(payloadType, "H264", 90000, 1, Map.of("level-asymmetry-allowed", "1",
                "packetization-mode", "1", "profile-level-id", profileLevelId), List.of());
    }

    @Test
    void theDefaultPolicyGivesEveryoneEveryoneElsesTracksFlowing() {
        Producer alice = video(SENDER_SSRC, "alice");
        assertEquals(SubscriptionPolicy.Subscription.FLOWING, SubscriptionPolicy.EVERYONE.subscription("bob", alice));
        assertEquals(SubscriptionPolicy.Subscription.NONE, SubscriptionPolicy.EVERYONE.subscription("alice", alice),
                "nobody receives their own track");
    }

    /** The compound as it arrives from {@code from}, at {@link #NOW}. */
    private static boolean route(SessionStreams from, byte[] packet) {
        return RtcpRouting.route(from, rtcp(packet), NOW);
    }

    private static PacketBuffer rtcp(byte[] packet) {
        return PacketBuffer.copyOf(packet, 0, packet.length);
    }

    /** A participant's session as RTCP routing sees it: its streams by its own SSRCs. */
    private static final class Receiver implements SessionStreams {
        final Map<Long, Consumer> consumers = new HashMap<>();
        final Map<Long, Producer> producers = new HashMap<>();

        Receiver(Consumer... received) {
            for (Consumer c : received) {
                consumers.put(c.ssrc(), c);
                if (c.rtxSsrc() >= 0) {
                    consumers.put(c.rtxSsrc(), c);
                }
            }
        }

        @Override
        public Producer producerBySsrc(long ssrc) {
            return producers.get(ssrc);
        }

        @Override
        public Consumer consumerBySsrc(long ssrc) {
            return consumers.get(ssrc);
        }
    }

    /** What the producer's session does with an arriving packet: read its header once, then hand both over. */
    static void forward(Producer producer, PacketBuffer packet, boolean repaired, long arrivalNanos) {
        RtpHeader header = new RtpHeader();
        if (!header.read(packet)) {
            throw new IllegalArgumentException("not RTP");
        }
        producer.onRtp(packet, header, repaired, arrivalNanos);
    }
}
