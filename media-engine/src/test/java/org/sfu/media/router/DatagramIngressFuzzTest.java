package org.sfu.media.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sfu.media.feedback.DominantSpeaker;
import org.sfu.media.negotiation.SupportedCodecs;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.media.sdp.Extmap;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.packet.PacketBuffer;

/**
 * Arbitrary plaintext from an established participant: what its own SRTP keys let it put on its validated path, after
 * the transport decrypted it, through {@link RtpSession} (its RTP ingress and RTCP routing), as
 * {@code WebRtcTransport} hands it over. Bob publishes audio (with audio levels), video with RTX, and a video track
 * whose SSRC he never signalled; carol receives those three and alice's video. The input is a run of datagrams, each
 * one length byte then that many bytes; those the transport would drop before its listener (neither RTCP nor valid
 * RTP, RFC 7983 and RFC 3550 §A.1) are dropped here too. Then:
 * <ul>
 *   <li>nothing escapes the session;</li>
 *   <li>carol receives only valid RTP under her own SSRCs for those streams and her payload types;</li>
 *   <li>alice's stream to carol is untouched: her next packet reaches carol, once.</li>
 * </ul>
 *
 * <p>{@code mvn test} replays {@code DatagramIngressFuzzTestInputs/plaintextFromParticipant/}. {@code JAZZER_FUZZ=1}
 * fuzzes (docs/RELIABILITY.md).
 */
class DatagramIngressFuzzTest {
    private static final long MS = 1_000_000L;
    static final long BOB_AUDIO = 0xA0A0_0001L;
    static final long BOB_VIDEO = 0xB1B1_0001L;
    static final long BOB_VIDEO_RTX = 0xB1B1_0002L;
    static final long ALICE_VIDEO = 0x1111_1111L;
    private static final long CAROL_AUDIO = 0xCA20_0001L;
    private static final long CAROL_VIDEO = 0xCA20_0002L;
    private static final long CAROL_VIDEO_RTX = 0xCA20_0003L;
    private static final long CAROL_UNSIGNALLED = 0xCA20_0004L;
    private static final long CAROL_ALICE = 0xCA20_0005L;

    private static final List<RtpCodec> OPUS = List.of(new RtpCodec(111, "opus", 48000, 2, Map.of(), List.of()));
    private static final List<RtpCodec> SENDER_VP8 = List.of(new RtpCodec(96, "VP8", 90000),
            new RtpCodec(97, "rtx", 90000, 1, Map.of("apt", "96"), List.of()));
    private static final List<RtpCodec> RECEIVER_VP8 = List.of(new RtpCodec(100, "VP8", 90000),
            new RtpCodec(101, "rtx", 90000, 1, Map.of("apt", "100"), List.of()));
    private static final List<RtpCodec> UNSIGNALLED_VP8 = List.of(new RtpCodec(98, "VP8", 90000));
    private static final Set<Integer> CAROL_PAYLOAD_TYPES = Set.of(111, 100, 101, 98);

    @FuzzTest(maxDuration = "5m")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void plaintextFromParticipant(byte[] data) {
        Room room = new Room();
        long now = 100 * MS;
        for (int at = 0; at < data.length; ) {
            int length = Math.min(data[at] & 0xFF, data.length - at - 1);
            byte[] datagram = Arrays.copyOfRange(data, at + 1, at + 1 + length);
            at += 1 + length;
            now += MS;
            PacketBuffer packet = new PacketBuffer(Arrays.copyOf(datagram, length + PacketBuffer.TRAILER_ROOM), 0,
                    length);
            if (RtpPacket.isRtcp(datagram, 0, length)) {
                room.bobSession.onRtcp(packet);
            } else if (RtpPacket.isValidRtp(datagram, 0, length)) {
                room.bobSession.onRtp(packet, now);
            }
        }
        room.carolGetsOnlyHerStreams();
        int before = room.carol.rtp.size();
        ForwardingTest.forward(room.aliceCamera, vp8(7, ALICE_VIDEO, 96), false, now + MS);
        assertEquals(before + 1, room.carol.rtp.size(), "alice's next packet reaches carol");
        assertEquals(CAROL_ALICE, RtpPacket.ssrc(room.carol.lastRtp(), 0), "once, in carol's SSRC for it");
    }

    /** The fixture is live: bob's well-formed packets, signalled or not, reach carol in her own streams. */
    @Test
    void wellFormedPacketsFromBobReachCarol() {
        Room room = new Room();
        room.bobSession.onRtp(vp8(1, BOB_VIDEO, 96), 0);
        room.bobSession.onRtp(vp8(1, 0xDEAD_0001L, 98), 0);
        room.carolGetsOnlyHerStreams();
        assertEquals(2, room.carol.rtp.size());
        assertEquals(CAROL_VIDEO, RtpPacket.ssrc(room.carol.rtp.get(0), 0));
        assertEquals(100, RtpPacket.payloadType(room.carol.rtp.get(0), 0), "carol's payload type for VP8");
        assertEquals(CAROL_UNSIGNALLED, RtpPacket.ssrc(room.carol.rtp.get(1), 0), "the unsignalled SSRC was learnt");
    }

    private static final class Room {
        final FakeTransport bob = new FakeTransport();
        final FakeTransport alice = new FakeTransport();
        final FakeTransport carol = new FakeTransport();
        final Producer bobAudio = producer("bob-a", "bob", bob, MediaKind.AUDIO, "0", BOB_AUDIO, -1, OPUS);
        final Producer bobVideo = producer("bob-v", "bob", bob, MediaKind.VIDEO, "1", BOB_VIDEO, BOB_VIDEO_RTX,
                SENDER_VP8);
        final Producer bobUnsignalled = producer("bob-u", "bob", bob, MediaKind.VIDEO, "2", -1, -1,
                UNSIGNALLED_VP8);
        final Producer aliceCamera = producer("alice-v", "alice", alice, MediaKind.VIDEO, "1", ALICE_VIDEO, -1,
                SENDER_VP8);
        final RtpSession bobSession = new RtpSession("bob", bob, 0xB0B0_FFFFL,
                new DominantSpeaker(Router.SPEAKER_SWITCH_HOLD_NANOS));

        Room() {
            consume(bobAudio, CAROL_AUDIO, -1, OPUS);
            consume(bobVideo, CAROL_VIDEO, CAROL_VIDEO_RTX, RECEIVER_VP8);
            consume(bobUnsignalled, CAROL_UNSIGNALLED, -1, UNSIGNALLED_VP8);
            consume(aliceCamera, CAROL_ALICE, -1, RECEIVER_VP8);
            bobSession.publishProducers(List.of(bobAudio, bobVideo, bobUnsignalled));
            bobSession.publishExtensionIds(3, 1);
        }

        private static Producer producer(String id, String owner, FakeTransport transport, MediaKind kind, String mid,
                                         long ssrc, long rtxSsrc, List<RtpCodec> codecs) {
            Producer p = new Producer(id, owner, transport, 0x5E4E_0001L, kind, mid, ssrc, rtxSsrc, codecs);
            p.setExtensionIds(kind == MediaKind.AUDIO
                    ? Map.of(SupportedCodecs.TRANSPORT_CC_URI, 3, SupportedCodecs.AUDIO_LEVEL_URI, 1)
                    : Map.of(SupportedCodecs.TRANSPORT_CC_URI, 3));
            return p;
        }

        private void consume(Producer p, long ssrc, long rtxSsrc, List<RtpCodec> codecs) {
            Consumer c = new Consumer("carol<" + p.id(), p, carol, ssrc, rtxSsrc);
            p.addConsumer(c);
            c.activate(codecs, List.of(new Extmap(5, SupportedCodecs.TRANSPORT_CC_URI)));
        }

        void carolGetsOnlyHerStreams() {
            Set<Long> hers = Set.of(CAROL_AUDIO, CAROL_VIDEO, CAROL_VIDEO_RTX, CAROL_UNSIGNALLED, CAROL_ALICE);
            for (byte[] p : carol.rtp) {
                assertTrue(RtpPacket.isValidRtp(p, 0, p.length), "valid RTP: " + Arrays.toString(p));
                assertTrue(hers.contains(RtpPacket.ssrc(p, 0)), "in one of carol's SSRCs: " + RtpPacket.ssrc(p, 0));
                assertTrue(CAROL_PAYLOAD_TYPES.contains(RtpPacket.payloadType(p, 0)),
                        "with one of carol's payload types: " + RtpPacket.payloadType(p, 0));
            }
            assertEquals(0, alice.rtp.size(), "a sender is sent no media");
        }
    }

    /** A minimal VP8 packet (keyframe start) with a transport-cc element, id 3. */
    static PacketBuffer vp8(int sequence, long ssrc, int payloadType) {
        return TestPackets.vp8(sequence, ssrc, payloadType, 6);
    }
}
