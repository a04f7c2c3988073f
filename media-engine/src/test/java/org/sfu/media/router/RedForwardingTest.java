package org.sfu.media.router;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sfu.media.feedback.DominantSpeaker;
import org.sfu.media.negotiation.SupportedCodecs;
import org.sfu.media.rtp.AudioLevel;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.media.sdp.Extmap;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.packet.PacketBuffer;

/**
 * A sender that sends Opus with RFC 2198 redundancy (Chromium with red ahead of opus: RED 63 over Opus 111), through
 * its session to three receivers: one that negotiated RED in the same numbers, one in other numbers, one without RED.
 * Then the first two get the RED packets (blocks renumbered for the second), the third plain Opus packets of the
 * primary blocks, all in one continuous stream each; the audio level still reaches the dominant speaker detector.
 */
class RedForwardingTest {
    private static final long MS = 1_000_000L;
    private static final long SENDER_SSRC = 0x0A0D_1001L;
    private static final int AUDIO_LEVEL_ID = 1;
    private static final List<RtpCodec> RED_FIRST = List.of(
            new RtpCodec(63, "red", 48000, 2, Map.of("111/111", ""), List.of()),
            new RtpCodec(111, "opus", 48000, 2, Map.of("minptime", "10", "useinbandfec", "1"), List.of()));
    /** Another client's numbers: Opus 109, RED 120 over it. */
    private static final List<RtpCodec> OTHER_NUMBERS = List.of(
            new RtpCodec(109, "opus", 48000, 2, Map.of(), List.of()),
            new RtpCodec(120, "red", 48000, 2, Map.of("109/109", ""), List.of()));
    private static final List<RtpCodec> OPUS_ONLY = List.of(
            new RtpCodec(111, "opus", 48000, 2, Map.of("minptime", "10", "useinbandfec", "1"), List.of()));
    private static final List<Extmap> LEVEL = List.of(new Extmap(AUDIO_LEVEL_ID, SupportedCodecs.AUDIO_LEVEL_URI));

    private final FakeTransport alice = new FakeTransport();
    private final FakeTransport bob = new FakeTransport();
    private final FakeTransport carol = new FakeTransport();
    private final FakeTransport dave = new FakeTransport();
    private final DominantSpeaker speakers = new DominantSpeaker(Router.SPEAKER_SWITCH_HOLD_NANOS);
    private final Producer microphone = new Producer("alice-0", "alice", alice, 0x5E4E_0001L, MediaKind.AUDIO, "0",
            SENDER_SSRC, -1, RED_FIRST);
    private final RtpSession session = new RtpSession("alice", alice, 0x5E4E_0001L, speakers);
    private final Consumer toBob = new Consumer("bob<alice-0", microphone, bob, 0xB0B0_0001L, -1);
    private final Consumer toCarol = new Consumer("carol<alice-0", microphone, carol, 0xCA20_0001L, -1);
    private final Consumer toDave = new Consumer("dave<alice-0", microphone, dave, 0xDA7E_0001L, -1);

    RedForwardingTest() {
        microphone.setExtensionIds(Map.of(SupportedCodecs.AUDIO_LEVEL_URI, AUDIO_LEVEL_ID));
        session.publishProducers(List.of(microphone));
        session.publishExtensionIds(-1, AUDIO_LEVEL_ID);
        for (Consumer c : List.of(toBob, toCarol, toDave)) {
            microphone.addConsumer(c);
        }
        toBob.activate(RED_FIRST, LEVEL);
        toCarol.activate(OTHER_NUMBERS, LEVEL);
        toDave.activate(OPUS_ONLY, LEVEL);
    }

    /**
     * Packet {@code n} as libwebrtc's RED encoder writes it: the previous 20 ms frame as a redundant block (960 ticks
     * back), then this one as the primary; frame {@code n} is {@code 30 + n} octets of the value {@code n}. The audio
     * level (RFC 6464, -20 dBov with voice) rides in the RTP header.
     */
    private static PacketBuffer red(int n) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        int previous = 30 + n - 1;
        payload.writeBytes(new byte[] {(byte) (0x80 | 111), (byte) (960 >>> 6), (byte) (((960 & 0x3F) << 2)
                | (previous >>> 8)), (byte) previous, (byte) 111});
        payload.writeBytes(frame(n - 1));
        payload.writeBytes(frame(n));
        return packet(63, n, payload.toByteArray());
    }

    private static byte[] frame(int n) {
        byte[] f = new byte[30 + n];
        Arrays.fill(f, (byte) n);
        return f;
    }

    private static PacketBuffer packet(int payloadType, int n, byte[] payload) {
        byte[] p = new byte[12 + 8 + payload.length];
        p[0] = (byte) 0x90;
        p[1] = (byte) payloadType;
        RtpPacket.setSequenceNumber(p, 0, 65_530 + n);
        RtpPacket.setTimestamp(p, 0, 960L * n);
        RtpPacket.setSsrc(p, 0, SENDER_SSRC);
        p[12] = (byte) 0xBE;
        p[13] = (byte) 0xDE;
        p[15] = 1;
        p[16] = (byte) (AUDIO_LEVEL_ID << 4);
        p[17] = (byte) (0x80 | 20);
        System.arraycopy(payload, 0, p, 20, payload.length);
        return new PacketBuffer(Arrays.copyOf(p, p.length + PacketBuffer.TRAILER_ROOM), 0, p.length);
    }

    private void send(PacketBuffer packet, int n) {
        session.onRtp(packet, n * 20 * MS);
    }

    private static void assertOneStream(List<byte[]> received, long ssrc) {
        for (int i = 1; i < received.size(); i++) {
            assertEquals(ssrc, RtpPacket.ssrc(received.get(i), 0));
            assertEquals((RtpPacket.sequenceNumber(received.get(i - 1), 0) + 1) & 0xFFFF,
                    RtpPacket.sequenceNumber(received.get(i), 0), "packet " + i + ": no gap");
            assertEquals((RtpPacket.timestamp(received.get(i - 1), 0) + 960) & 0xFFFF_FFFFL,
                    RtpPacket.timestamp(received.get(i), 0), "packet " + i + ": 20 ms on");
        }
    }

    @Test
    void redReachesRedReceiversAsSentAndTheOthersGetThePrimaryOpusAlone() {
        for (int n = 1; n <= 10; n++) {
            send(red(n), n);
        }

        assertEquals(10, bob.rtp.size());
        assertEquals(10, carol.rtp.size());
        assertEquals(10, dave.rtp.size());
        for (int i = 0; i < 10; i++) {
            int n = i + 1;
            byte[] source = red(n).toByteArray();

            byte[] b = bob.rtp.get(i);
            assertEquals(63, RtpPacket.payloadType(b, 0));
            assertArrayEquals(Arrays.copyOfRange(source, 20, source.length), Arrays.copyOfRange(b, 20, b.length),
                    "bob's RED payload is the sender's, byte for byte");

            byte[] c = carol.rtp.get(i);
            assertEquals(120, RtpPacket.payloadType(c, 0), "carol's RED payload type");
            assertEquals(0x80 | 109, c[20] & 0xFF, "the redundant block in carol's Opus number");
            assertEquals(109, c[24] & 0xFF, "and the primary's");
            assertArrayEquals(Arrays.copyOfRange(source, 21, 24), Arrays.copyOfRange(c, 21, 24),
                    "timestamp offset and length kept");
            assertArrayEquals(Arrays.copyOfRange(source, 25, source.length), Arrays.copyOfRange(c, 25, c.length));

            byte[] d = dave.rtp.get(i);
            assertEquals(111, RtpPacket.payloadType(d, 0), "plain Opus in dave's number");
            assertEquals(20 + 30 + n, d.length, "the RTP header and the primary frame, nothing else");
            assertArrayEquals(frame(n), Arrays.copyOfRange(d, 20, d.length), "the primary is this packet's frame");
            assertEquals(20, AudioLevel.level(d, 0, d.length, AUDIO_LEVEL_ID), "dave still sees who speaks");
        }
        assertOneStream(bob.rtp, 0xB0B0_0001L);
        assertOneStream(carol.rtp, 0xCA20_0001L);
        assertOneStream(dave.rtp, 0xDA7E_0001L);
        assertEquals(10, toDave.redPrimariesSent());
        assertEquals(0, toBob.redPrimariesSent());
        assertEquals(0, toCarol.redPrimariesSent());
    }

    @Test
    void plainOpusFromTheSameSenderStillReachesEveryone() {
        send(packet(111, 1, frame(1)), 1);

        for (FakeTransport receiver : List.of(bob, dave)) {
            assertEquals(111, RtpPacket.payloadType(receiver.lastRtp(), 0));
        }
        assertEquals(109, RtpPacket.payloadType(carol.lastRtp(), 0));
        assertArrayEquals(frame(1), Arrays.copyOfRange(dave.lastRtp(), 20, dave.lastRtp().length));
    }

    @Test
    void aMalformedRedPacketIsDroppedAndCountedAndTheStreamGoesOn() {
        send(red(1), 1);
        // Block length 500 in a packet far shorter (RFC 2198 §3: the lengths must fit the payload).
        send(packet(63, 2, new byte[] {(byte) (0x80 | 111), 0x0F, 0x01, (byte) 0xF4, 111, 1, 2, 3}), 2);
        // No block at all.
        send(packet(63, 3, new byte[0]), 3);
        send(red(4), 4);

        for (FakeTransport receiver : List.of(bob, carol, dave)) {
            assertEquals(2, receiver.rtp.size(), "the malformed ones go to nobody");
            assertEquals(3, (RtpPacket.sequenceNumber(receiver.rtp.get(1), 0)
                    - RtpPacket.sequenceNumber(receiver.rtp.get(0), 0)) & 0xFFFF, "a gap of the two dropped, as for lost packets");
        }
        for (Consumer c : List.of(toBob, toCarol, toDave)) {
            assertEquals(2, c.droppedRedMalformed(), c.id());
            assertEquals(2, c.sent(), c.id());
        }
    }

    /** A receiver's transport that only counts, so that a measurement sees the forwarding path's allocations alone. */
    private static final class CountingTransport implements org.sfu.media.transport.Transport {
        long packets;
        long octets;

        @Override
        public boolean sendRtp(PacketBuffer packet) {
            packets++;
            octets += packet.length();
            return true;
        }

        @Override
        public boolean sendRtcp(PacketBuffer packet) {
            return true;
        }

        @Override
        public boolean resendProtectedRtp(byte[] buf, int offset, int length) {
            return true;
        }

        @Override
        public boolean isConnected() {
            return true;
        }
    }

    @Test
    void forwardingRedToReceiversWithAndWithoutItAllocatesNothingPerPacket() {
        CountingTransport withRed = new CountingTransport();
        CountingTransport withoutRed = new CountingTransport();
        Producer producer = new Producer("erin-0", "erin", alice, 0x5E4E_0002L, MediaKind.AUDIO, "0", SENDER_SSRC, -1,
                RED_FIRST);
        RtpSession erin = new RtpSession("erin", alice, 0x5E4E_0002L, speakers);
        producer.setExtensionIds(Map.of(SupportedCodecs.AUDIO_LEVEL_URI, AUDIO_LEVEL_ID));
        erin.publishProducers(List.of(producer));
        erin.publishExtensionIds(-1, AUDIO_LEVEL_ID);
        Consumer toRed = new Consumer("r<erin-0", producer, withRed, 0x0101_0001L, -1);
        Consumer toPlain = new Consumer("p<erin-0", producer, withoutRed, 0x0202_0001L, -1);
        producer.addConsumer(toRed);
        producer.addConsumer(toPlain);
        toRed.activate(OTHER_NUMBERS, LEVEL);
        toPlain.activate(OPUS_ONLY, LEVEL);
        PacketBuffer source = red(5);
        byte[] original = source.toByteArray();
        var bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

        // Windows of 20,000 packets after the JIT has had the path for a while; the least a window allocated is what
        // the path itself costs (the interpreter and C1 allocate iterators that C2 removes, at a time of its choosing
        // on a busy machine).
        int windows = 15;
        int perWindow = 20_000;
        long least = Long.MAX_VALUE;
        int n = 0;
        for (int w = 0; w < windows; w++) {
            long before = bean.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < perWindow; i++, n++) {
                // The worker's slot holds each new datagram: the same bytes with the next sequence number.
                System.arraycopy(original, 0, source.buffer(), 0, original.length);
                source.setOffsetLength(0, original.length);
                RtpPacket.setSequenceNumber(source.buffer(), 0, n & 0xFFFF);
                erin.onRtp(source, n * 20 * MS);
            }
            least = Math.min(least, bean.getCurrentThreadAllocatedBytes() - before);
        }

        assertEquals(windows * perWindow, withRed.packets);
        assertEquals(windows * perWindow, withoutRed.packets);
        assertEquals((long) windows * perWindow * (20 + 30 + 5), withoutRed.octets,
                "each the header and the primary frame");
        assertTrue(least < perWindow, "fewer bytes than packets, so no object per packet: " + least + " bytes for "
                + perWindow + " RED packets to two receivers");
    }

    @Test
    void audioLevelsOfRedPacketsReachTheDominantSpeakerDetector() {
        for (int n = 1; n <= 20; n++) {
            send(red(n), n);
        }
        speakers.evaluate(400 * MS);

        assertTrue(speakers.energy("alice") > 0, "the RFC 6464 level is in the RTP header, whatever the payload");
        assertEquals("alice", speakers.current().orElse(null));
        assertFalse(bob.rtp.isEmpty());
    }
}
