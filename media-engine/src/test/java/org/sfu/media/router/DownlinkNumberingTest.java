package org.sfu.media.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sfu.media.bwe.BweSettings;
import org.sfu.media.feedback.DominantSpeaker;
import org.sfu.media.negotiation.SupportedCodecs;
import org.sfu.media.rtcp.RtcpFeedback;
import org.sfu.media.rtcp.TransportCcFeedback;
import org.sfu.media.rtp.HeaderExtensions;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.rtp.RtpHeader;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.media.sdp.Extmap;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.packet.PacketBuffer;

/**
 * Downstream transport-wide sequence numbers (draft-holmer-rmcat-transport-wide-cc-extensions-01): every packet the
 * server sends one receiver, whichever sender's track it belongs to, carries the receiver's next number under the id
 * the receiver negotiated, and the receiver's feedback about them reaches its own estimate.
 */
class DownlinkNumberingTest {
    private static final long MS = 1_000_000L;
    /** The senders' transport-cc id (Chromium's 3); the receivers negotiated 7 and 5. */
    private static final int SENDER_ID = 3;
    private static final List<RtpCodec> VIDEO = List.of(new RtpCodec(96, "VP8", 90000),
            new RtpCodec(97, "rtx", 90000, 1, Map.of("apt", "96"), List.of()));
    private static final List<RtpCodec> AUDIO = List.of(new RtpCodec(111, "opus", 48000, 2, Map.of(), List.of()));

    private final FakeTransport aliceTransport = new FakeTransport();
    private final FakeTransport carolTransport = new FakeTransport();
    private final Producer aliceCamera = producer("alice", aliceTransport, MediaKind.VIDEO, 0xA11C_0001L, 0xA11C_0002L,
            VIDEO);
    private final Producer carolMic = producer("carol", carolTransport, MediaKind.AUDIO, 0xCA20_0001L, -1, AUDIO);

    private static Producer producer(String owner, FakeTransport t, MediaKind kind, long ssrc, long rtx,
                                     List<RtpCodec> codecs) {
        Producer p = new Producer(owner + "-1", owner, t, 0x5E4E_0001L, kind, "1", ssrc, rtx, codecs);
        p.setExtensionIds(Map.of(SupportedCodecs.TRANSPORT_CC_URI, SENDER_ID));
        return p;
    }

    private static Consumer consume(Producer p, FakeTransport receiver, long ssrc, long rtxSsrc,
                                    DownlinkEstimate downlink, int transportCcId) {
        Consumer c = new Consumer("r<" + p.id(), p, receiver, ssrc, rtxSsrc, downlink);
        p.addConsumer(c);
        c.activate(p.isAudio() ? AUDIO : VIDEO, List.of(new Extmap(transportCcId, SupportedCodecs.TRANSPORT_CC_URI)));
        return c;
    }

    /** A packet with the sender's transport-cc element (its upstream number 0x1234), or without any extension. */
    private static PacketBuffer packet(int payloadType, int sequence, long ssrc, boolean withElement) {
        byte[] p = new byte[withElement ? 12 + 8 + 20 : 12 + 20];
        p[0] = (byte) (withElement ? 0x90 : 0x80);
        p[1] = (byte) payloadType;
        RtpPacket.setSequenceNumber(p, 0, sequence);
        RtpPacket.setTimestamp(p, 0, 1000L * sequence);
        RtpPacket.setSsrc(p, 0, ssrc);
        int payload = 12;
        if (withElement) {
            p[12] = (byte) 0xBE;
            p[13] = (byte) 0xDE;
            p[15] = 1;
            p[16] = (byte) (SENDER_ID << 4 | 1);
            p[17] = 0x12;
            p[18] = 0x34;
            payload = 20;
        }
        p[payload] = 0x10; // VP8 descriptor, S=1; then a keyframe's first byte (P clear)
        return new PacketBuffer(Arrays.copyOf(p, p.length + PacketBuffer.TRAILER_ROOM), 0, p.length);
    }

    private static void forward(Producer p, PacketBuffer packet, long nowNanos) {
        RtpHeader header = new RtpHeader();
        assertTrue(header.read(packet));
        p.onRtp(packet, header, false, nowNanos);
    }

    /** The transport-wide sequence number under {@code id}, or -1. */
    private static int transportSequence(byte[] p, int id) {
        long found = HeaderExtensions.find(p, 0, p.length, id);
        if (found == HeaderExtensions.NOT_FOUND) {
            return -1;
        }
        int at = HeaderExtensions.dataOffset(found);
        return (p[at] & 0xFF) << 8 | p[at + 1] & 0xFF;
    }

    @Test
    void everyPacketToOneReceiverGetsItsNextNumberUnderItsOwnIdAcrossSenders() {
        FakeTransport bob = new FakeTransport();
        FakeTransport dave = new FakeTransport();
        DownlinkEstimate bobs = new DownlinkEstimate(BweSettings.DEFAULT, 65533);
        DownlinkEstimate daves = new DownlinkEstimate(BweSettings.DEFAULT, 100);
        consume(aliceCamera, bob, 0xB0B0_0001L, 0xB0B0_0002L, bobs, 7);
        consume(carolMic, bob, 0xB0B0_0003L, -1, bobs, 7);
        consume(aliceCamera, dave, 0xDA7E_0001L, 0xDA7E_0002L, daves, 5);

        for (int i = 0; i < 4; i++) {
            forward(aliceCamera, packet(96, 500 + i, 0xA11C_0001L, true), i * 20 * MS);
            forward(carolMic, packet(111, 9000 + i, 0xCA20_0001L, true), i * 20 * MS + MS);
        }

        List<Integer> bobSequences = new ArrayList<>();
        for (byte[] p : bob.rtp) {
            bobSequences.add(transportSequence(p, 7));
            assertEquals(-1, transportSequence(p, SENDER_ID), "the sender's id and number do not reach bob");
        }
        assertEquals(List.of(65533, 65534, 65535, 0, 1, 2, 3, 4), bobSequences,
                "consecutive across both senders' tracks, through the wrap");
        List<Integer> daveSequences = new ArrayList<>();
        for (byte[] p : dave.rtp) {
            daveSequences.add(transportSequence(p, 5));
        }
        assertEquals(List.of(100, 101, 102, 103), daveSequences, "dave's numbers are his own");
    }

    @Test
    void aPacketWithoutTheElementIsSentAsItIsAndNotCounted() {
        FakeTransport bob = new FakeTransport();
        DownlinkEstimate bobs = new DownlinkEstimate(BweSettings.DEFAULT, 10);
        consume(aliceCamera, bob, 0xB0B0_0001L, 0xB0B0_0002L, bobs, 7);
        PacketBuffer plain = packet(96, 500, 0xA11C_0001L, false);
        int length = plain.length();

        forward(aliceCamera, plain, 0);
        forward(aliceCamera, packet(96, 501, 0xA11C_0001L, true), MS);

        assertEquals(length, bob.rtp.get(0).length, "nothing inserted");
        assertFalse(RtpPacket.extension(bob.rtp.get(0), 0));
        assertEquals(10, transportSequence(bob.rtp.get(1), 7), "the next one numbered gets the first number");
    }

    @Test
    void aRetransmissionGetsTheNextNumberToo() {
        FakeTransport bob = new FakeTransport();
        DownlinkEstimate bobs = new DownlinkEstimate(BweSettings.DEFAULT, 40);
        Consumer toBob = consume(aliceCamera, bob, 0xB0B0_0001L, 0xB0B0_0002L, bobs, 7);
        for (int i = 0; i < 3; i++) {
            forward(aliceCamera, packet(96, 500 + i, 0xA11C_0001L, true), i * 20 * MS);
        }
        int first = RtpPacket.sequenceNumber(bob.rtp.get(0), 0);

        toBob.retransmit(new int[] {first}, 1, 100 * MS);

        byte[] rtx = bob.lastRtp();
        assertEquals(0xB0B0_0002L, RtpPacket.ssrc(rtx, 0), "sent as RTX");
        assertEquals(43, transportSequence(rtx, 7), "numbered after the three originals (40, 41, 42)");
    }

    @Test
    void theReceiversFeedbackReachesItsOwnEstimateAndNoSender() {
        FakeTransport bob = new FakeTransport();
        DownlinkEstimate bobs = new DownlinkEstimate(BweSettings.DEFAULT, 0);
        DownlinkEstimate others = new DownlinkEstimate(BweSettings.DEFAULT, 0);
        RtpSession bobSession = new RtpSession("bob", bob, 0xB0B0_FFFFL,
                new DominantSpeaker(Router.SPEAKER_SWITCH_HOLD_NANOS), bobs);
        Consumer toBob = consume(aliceCamera, bob, 0xB0B0_0001L, 0xB0B0_0002L, bobs, 7);
        consume(aliceCamera, new FakeTransport(), 0xDA7E_0001L, 0xDA7E_0002L, others, 7);
        bobSession.publishConsumers(List.of(toBob));
        for (int i = 0; i < 20; i++) {
            forward(aliceCamera, packet(96, 500 + i, 0xA11C_0001L, true), i * 5 * MS);
        }
        boolean[] received = new boolean[20];
        int[] deltas = new int[20];
        Arrays.fill(received, true);
        Arrays.fill(deltas, 20); // 5 ms apart, as sent
        byte[] feedback = TransportCcFeedback.build(0xB0B0_FFFFL, 0xB0B0_0001L, 0, 1, 0, 20, received, deltas);
        int senderRtcpBefore = aliceTransport.rtcp.size();

        assertTrue(RtcpRouting.route(bobSession, PacketBuffer.copyOf(feedback, 0, feedback.length), 150 * MS));

        assertTrue(bobs.hasFeedback(), "bob's estimate has his feedback");
        assertFalse(others.hasFeedback(), "the other receiver's has not");
        Map<String, Long> counters = new java.util.HashMap<>();
        bobs.report(counters::put);
        assertEquals(1L, counters.get("receiver_transport_cc_feedback"));
        assertEquals(20L, counters.get("receiver_transport_cc_numbered"));
        assertEquals(senderRtcpBefore, aliceTransport.rtcp.size(), "nothing goes on to the sender");
        assertFalse(aliceTransport.rtcp.stream().anyMatch(r -> TransportCcFeedback.isTransportCc(r, 0, r.length)
                || RtcpFeedback.isNack(r, 0, r.length)));
    }

    @Test
    void probePaddingGoesOutOnTheRtxSsrcNumberedLikeMedia() {
        FakeTransport bob = new FakeTransport();
        DownlinkEstimate bobs = new DownlinkEstimate(BweSettings.DEFAULT, 200);
        Consumer toBob = consume(aliceCamera, bob, 0xB0B0_0001L, 0xB0B0_0002L, bobs, 7);
        consume(carolMic, bob, 0xB0B0_0003L, -1, bobs, 7);
        ProbePadding probes = new ProbePadding(bobs, () -> List.of(toBob));
        forward(aliceCamera, packet(96, 500, 0xA11C_0001L, true), 0);

        // The estimator starts by probing at 3x and 6x its 300 kbit/s start: padding every 2 ms while it asks.
        long now = MS;
        while (probes.run(now) && now < 200 * MS) {
            now += 2 * MS;
        }

        assertTrue(bob.rtp.size() > 1 + 10, "two clusters of at least 5 packets each: " + bob.rtp.size());
        long paddingBytes = 0;
        for (int i = 1; i < bob.rtp.size(); i++) {
            byte[] p = bob.rtp.get(i);
            assertEquals(0xB0B0_0002L, RtpPacket.ssrc(p, 0), "on the RTX SSRC");
            assertEquals(97, RtpPacket.payloadType(p, 0), "with the receiver's RTX payload type");
            assertTrue(RtpPacket.padding(p, 0), "padding only (RFC 3550 §5.1)");
            assertEquals(p.length - Consumer.PADDING_HEADER_LENGTH, p[p.length - 1] & 0xFF, "all of it padding");
            assertEquals(200 + i, transportSequence(p, 7), "numbered after the media, consecutively");
            paddingBytes += p.length;
        }
        // 900 kbit/s for 15 ms and 1,800 kbit/s for 15 ms: 1,688 + 3,375 bytes, less the media packet's share.
        assertTrue(paddingBytes > 4000 && paddingBytes < 7000, "padding bytes " + paddingBytes);
        assertFalse(bobs.probing(), "both clusters sent");

        DownlinkEstimate audioOnly = new DownlinkEstimate(BweSettings.DEFAULT, 0);
        assertTrue(audioOnly.probing());
        int sentBefore = bob.rtp.size();
        assertFalse(new ProbePadding(audioOnly, () -> List.of()).run(now), "no video to carry padding: no probe");
        assertEquals(sentBefore, bob.rtp.size());
    }

    @Test
    void aVideoPausedForBandwidthStillCarriesTheProbesThatCanResumeIt() {
        FakeTransport bob = new FakeTransport();
        DownlinkEstimate bobs = new DownlinkEstimate(BweSettings.DEFAULT, 200);
        Consumer toBob = consume(aliceCamera, bob, 0xB0B0_0001L, 0xB0B0_0002L, bobs, 7);
        ProbePadding probes = new ProbePadding(bobs, () -> List.of(toBob));
        forward(aliceCamera, packet(96, 500, 0xA11C_0001L, true), 0);
        // Bob's only video is paused: its lowest layer did not fit his downlink. Only a probe can show that it fits
        // again, and it has no other stream to go on (DownlinkAllocationIT: without this, the video stayed paused
        // a minute after the limit was lifted, the estimator's cluster waiting for ever for a carrier).
        toBob.pauseForBandwidth(true);
        long now = MS;
        while (probes.run(now) && now < 200 * MS) {
            now += 2 * MS;
        }
        assertTrue(bob.rtp.size() > 1 + 10, "the clusters went out: " + bob.rtp.size());
        for (int i = 1; i < bob.rtp.size(); i++) {
            assertEquals(0xB0B0_0002L, RtpPacket.ssrc(bob.rtp.get(i), 0), "padding on the RTX SSRC, no media");
        }
        assertFalse(bobs.probing());
        // The receiver's own pause is another matter: it wants nothing, so nothing is probed for it.
        toBob.setPaused(true);
        assertFalse(toBob.canCarryPadding());
    }
}
