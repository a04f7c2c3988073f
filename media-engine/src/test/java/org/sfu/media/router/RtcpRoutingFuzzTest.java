package org.sfu.media.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.sfu.media.negotiation.SupportedCodecs;
import org.sfu.media.rtcp.RtcpCompoundCursor;
import org.sfu.media.rtcp.RtcpFeedback;
import org.sfu.media.rtcp.RtcpHeader;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.media.sdp.Extmap;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.packet.PacketBuffer;

/**
 * Arbitrary bytes as an RTCP compound from one participant of a live room, through {@link RtcpRouting#route}. The room
 * is the router core on in-memory transports ({@link FakeTransport}, as in {@code ForwardingTest}): alice and dave send
 * video, bob sends video and receives both (alice's with RTX, dave's without), carol receives alice's and bob's. Bob's
 * session sends the fuzzed compound. Then:
 * <ul>
 *   <li>nothing escapes {@code route};</li>
 *   <li>what it sent stays within what bob may cause: keyframe requests reach alice and dave only as PLIs for their
 *       own SSRCs, carol gets only sender reports of the stream she receives from bob, bob himself only
 *       retransmissions of his own streams, and nobody else any RTP;</li>
 *   <li>every consumer still forwards: a normal packet from each sender reaches each of its receivers, once.</li>
 * </ul>
 *
 * <p>{@code mvn test} replays {@code RtcpRoutingFuzzTestInputs/rtcpFromParticipant/}: the RTCP seeds of the parser
 * target and compounds naming this room's streams. {@code JAZZER_FUZZ=1} fuzzes (docs/RELIABILITY.md).
 */
class RtcpRoutingFuzzTest {
    private static final long MS = 1_000_000L;
    /** When the fuzzed compound arrives: after the room's first packets, within the caches' reach. */
    private static final long NOW = 200 * MS;

    static final long ALICE_SSRC = 0x1111_1111L;
    static final long ALICE_RTX_SSRC = 0x2222_2222L;
    static final long DAVE_SSRC = 0x3333_3333L;
    static final long BOB_SSRC = 0x4444_4444L;
    /** Bob's session: alice's stream with RTX, dave's without. */
    static final long BOB_FROM_ALICE = 0xB0B0_0001L;
    static final long BOB_FROM_ALICE_RTX = 0xB0B0_0002L;
    static final long BOB_FROM_DAVE = 0xB0B0_0003L;
    /** Carol's session. */
    static final long CAROL_FROM_ALICE = 0xCA20_0001L;
    static final long CAROL_FROM_BOB = 0xCA20_0003L;

    private static final List<RtpCodec> SENDER_VIDEO = List.of(new RtpCodec(96, "VP8", 90000),
            new RtpCodec(97, "rtx", 90000, 1, Map.of("apt", "96"), List.of()));
    private static final List<RtpCodec> RECEIVER_VIDEO = List.of(new RtpCodec(100, "VP8", 90000),
            new RtpCodec(101, "rtx", 90000, 1, Map.of("apt", "100"), List.of()));
    private static final List<RtpCodec> RECEIVER_WITHOUT_RTX = List.of(new RtpCodec(96, "VP8", 90000));

    @FuzzTest(maxDuration = "5m")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void rtcpFromParticipant(byte[] data) {
        Room room = new Room();
        for (int i = 0; i < 5; i++) {
            room.sendFromEveryone(i, i * 20 * MS);
        }
        room.snapshot();
        byte[] compound = data.clone();
        room.nacksRelativeToFirstPacket(compound);

        RtcpRouting.route(room.bobSession, PacketBuffer.copyOf(compound, 0, compound.length), NOW);

        room.onlyWhatBobMayCause();
        room.sendFromEveryone(5, NOW + 20 * MS);
        room.everyoneStillReceivesEverySender();
    }

    /** The room, new for each input. */
    private static final class Room {
        final FakeTransport alice = new FakeTransport();
        final FakeTransport dave = new FakeTransport();
        final FakeTransport bob = new FakeTransport();
        final FakeTransport carol = new FakeTransport();
        final Producer aliceCamera = producer("alice", alice, ALICE_SSRC, ALICE_RTX_SSRC);
        final Producer daveCamera = producer("dave", dave, DAVE_SSRC, -1);
        final Producer bobCamera = producer("bob", bob, BOB_SSRC, -1);
        final Consumer bobFromAlice = consume(aliceCamera, bob, BOB_FROM_ALICE, BOB_FROM_ALICE_RTX, RECEIVER_VIDEO);
        final Consumer bobFromDave = consume(daveCamera, bob, BOB_FROM_DAVE, -1, RECEIVER_WITHOUT_RTX);
        final Consumer carolFromAlice = consume(aliceCamera, carol, CAROL_FROM_ALICE, 0xCA20_0002L, SENDER_VIDEO);
        final Consumer carolFromBob = consume(bobCamera, carol, CAROL_FROM_BOB, 0xCA20_0004L, SENDER_VIDEO);
        /** Bob's streams by the SSRCs of his session; compared one by one, so that the fuzzer sees the values. */
        final SessionStreams bobSession = new SessionStreams() {
            @Override
            public Producer producerBySsrc(long ssrc) {
                return ssrc == BOB_SSRC ? bobCamera : null;
            }

            @Override
            public Consumer consumerBySsrc(long ssrc) {
                if (ssrc == BOB_FROM_ALICE || ssrc == BOB_FROM_ALICE_RTX) {
                    return bobFromAlice;
                }
                return ssrc == BOB_FROM_DAVE ? bobFromDave : null;
            }
        };
        int bobRtp;
        int bobResent;
        int carolRtp;

        private static Producer producer(String owner, FakeTransport transport, long ssrc, long rtxSsrc) {
            Producer p = new Producer(owner + "-1", owner, transport, 0x5E4E_0000L | ssrc & 0xFF, MediaKind.VIDEO,
                    "1", ssrc, rtxSsrc, SENDER_VIDEO);
            p.setExtensionIds(Map.of(SupportedCodecs.TRANSPORT_CC_URI, 3));
            return p;
        }

        private static Consumer consume(Producer p, FakeTransport receiver, long ssrc, long rtxSsrc,
                                        List<RtpCodec> codecs) {
            Consumer c = new Consumer(p.ownerId() + ">" + ssrc, p, receiver, ssrc, rtxSsrc);
            p.addConsumer(c);
            c.activate(codecs, List.of(new Extmap(5, SupportedCodecs.TRANSPORT_CC_URI)));
            return c;
        }

        void sendFromEveryone(int sequence, long nowNanos) {
            ForwardingTest.forward(aliceCamera, vp8(1000 + sequence, ALICE_SSRC), false, nowNanos);
            ForwardingTest.forward(daveCamera, vp8(2000 + sequence, DAVE_SSRC), false, nowNanos);
            ForwardingTest.forward(bobCamera, vp8(3000 + sequence, BOB_SSRC), false, nowNanos);
        }

        void snapshot() {
            assertEquals(0, alice.rtp.size() + dave.rtp.size() + alice.rtcp.size() + dave.rtcp.size()
                    + bob.rtcp.size() + carol.rtcp.size());
            bobRtp = bob.rtp.size();
            bobResent = bob.resent.size();
            carolRtp = carol.rtp.size();
            assertEquals(10, bobRtp);
            assertEquals(10, carolRtp);
        }

        /**
         * The room's streams start at random sequence numbers (RFC 3550 §5.1), so a NACK in the input names packets
         * relative to the first one bob received of that stream: PID 0 is that packet. The same bytes then ask for the
         * same packets on every run, and a seed that hits the cache keeps hitting it. (Adding a constant modulo 2^16
         * is one-to-one: every compound routing could be given is still reachable.)
         */
        void nacksRelativeToFirstPacket(byte[] compound) {
            int fromAlice = RtpPacket.sequenceNumber(bob.rtp.get(0), 0);
            int fromDave = RtpPacket.sequenceNumber(bob.rtp.get(1), 0);
            RtcpCompoundCursor c = new RtcpCompoundCursor().reset(compound, 0, compound.length);
            while (c.next()) {
                int at = c.offset();
                int items = RtcpFeedback.nackItemCount(compound, at, c.length());
                if (!RtcpFeedback.isNack(compound, at, c.length()) || items <= 0) {
                    continue;
                }
                long media = RtcpHeader.mediaSsrc(compound, at);
                int base = media == BOB_FROM_ALICE ? fromAlice : media == BOB_FROM_DAVE ? fromDave : 0;
                for (int i = 0; i < items; i++) {
                    int pid = at + RtcpHeader.FEEDBACK_HEADER_LENGTH + 4 * i;
                    int relative = ((compound[pid] & 0xFF) << 8) | (compound[pid + 1] & 0xFF);
                    int absolute = (relative + base) & 0xFFFF;
                    compound[pid] = (byte) (absolute >>> 8);
                    compound[pid + 1] = (byte) absolute;
                }
            }
        }

        void onlyWhatBobMayCause() {
            assertEquals(0, alice.rtp.size() + dave.rtp.size() + alice.resent.size() + dave.resent.size(),
                    "senders are sent no media");
            onlyPlis(alice, ALICE_SSRC);
            onlyPlis(dave, DAVE_SSRC);
            assertEquals(0, bob.rtcp.size(), "bob's own RTCP does not come back to him");
            for (byte[] compound : carol.rtcp) {
                RtcpCompoundCursor c = new RtcpCompoundCursor().reset(compound, 0, compound.length);
                while (c.next()) {
                    assertEquals(RtcpHeader.SR, c.packetType(), "carol gets only sender reports");
                    assertEquals(CAROL_FROM_BOB, RtcpHeader.senderSsrc(compound, c.offset()),
                            "about the stream she receives from bob, in her SSRC for it");
                }
                assertTrue(RtcpCompoundCursor.isValidCompound(compound, 0, compound.length));
            }
            assertEquals(carolRtp, carol.rtp.size(), "bob's NACKs send carol nothing");
            assertEquals(0, carol.resent.size());
            for (byte[] p : bob.rtp.subList(bobRtp, bob.rtp.size())) {
                assertTrue(RtpPacket.isValidRtp(p, 0, p.length));
                assertEquals(BOB_FROM_ALICE_RTX, RtpPacket.ssrc(p, 0), "bob's retransmissions come as RTX");
                assertEquals(101, RtpPacket.payloadType(p, 0));
            }
            for (byte[] p : bob.resent.subList(bobResent, bob.resent.size())) {
                assertEquals(BOB_FROM_DAVE, RtpPacket.ssrc(p, 0), "resent as they were sent, where bob has no RTX");
            }
            bobRtp = bob.rtp.size();
            carolRtp = carol.rtp.size();
        }

        private static void onlyPlis(FakeTransport sender, long ssrc) {
            for (byte[] p : sender.rtcp) {
                assertTrue(RtcpFeedback.isPli(p, 0, p.length) && p.length == RtcpHeader.FEEDBACK_HEADER_LENGTH,
                        "a keyframe request, and nothing else: " + Arrays.toString(p));
                assertEquals(ssrc, RtcpHeader.mediaSsrc(p, 0), "for the sender's own stream");
            }
            assertTrue(sender.rtcp.size() <= 1, "coalesced within 300 ms");
        }

        void everyoneStillReceivesEverySender() {
            List<byte[]> toBob = bob.rtp.subList(bobRtp, bob.rtp.size());
            List<byte[]> toCarol = carol.rtp.subList(carolRtp, carol.rtp.size());
            assertEquals(2, toBob.size(), "bob still receives alice and dave");
            assertEquals(BOB_FROM_ALICE, RtpPacket.ssrc(toBob.get(0), 0));
            assertEquals(BOB_FROM_DAVE, RtpPacket.ssrc(toBob.get(1), 0));
            assertEquals(2, toCarol.size(), "carol still receives alice and bob");
            assertEquals(CAROL_FROM_ALICE, RtpPacket.ssrc(toCarol.get(0), 0));
            assertEquals(CAROL_FROM_BOB, RtpPacket.ssrc(toCarol.get(1), 0));
            assertEquals(6, bobFromAlice.sent());
            assertEquals(6, bobFromDave.sent());
            assertEquals(6, carolFromAlice.sent());
            assertEquals(6, carolFromBob.sent());
        }
    }

    /** VP8, PT 96, with a transport-cc element (id 3) in a one-byte extension block, and a keyframe payload. */
    private static PacketBuffer vp8(int sequence, long ssrc) {
        return TestPackets.vp8(sequence, ssrc, 96, 10);
    }
}
