package org.sfu.media.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sfu.media.feedback.DominantSpeaker;
import org.sfu.media.negotiation.SupportedCodecs;
import org.sfu.media.rtcp.RtcpFeedback;
import org.sfu.media.rtcp.RtcpHeader;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.media.rtp.Vp8PayloadDescriptor;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.packet.PacketBuffer;

/**
 * A sender's three simulcast layers (rids q, h, f; 180, 360 and 720 lines) through its session to one receiver: the
 * layers are bound by their rids, the receiver gets one continuous stream, and a change of its maximum height moves
 * it to another layer at that layer's keyframe, with one keyframe request naming that layer.
 */
class SimulcastForwardingTest {
    private static final long MS = 1_000_000L;
    private static final long[] SSRC = {0xA000_0001L, 0xA000_0002L, 0xA000_0003L};
    private static final String[] RID = {"q", "h", "f"};
    private static final int[] HEIGHT = {180, 360, 720};
    /** The sender's ids: mid 4, rid 10, repaired rid 11 (Chromium's). */
    private static final int MID_ID = 4;
    private static final int RID_ID = 10;
    private static final int REPAIRED_RID_ID = 11;
    private static final List<RtpCodec> VP8 = List.of(new RtpCodec(96, "VP8", 90000),
            new RtpCodec(97, "rtx", 90000, 1, Map.of("apt", "96"), List.of()));

    private final FakeTransport alice = new FakeTransport();
    private final FakeTransport bob = new FakeTransport();
    private final Producer camera = new Producer("alice-1", "alice", alice, 0x5E4E_0001L, MediaKind.VIDEO, "1", -1,
            -1, VP8, List.of(new Producer.Layer("q", -1, -1), new Producer.Layer("h", -1, -1),
            new Producer.Layer("f", -1, -1)));
    private final RtpSession session = new RtpSession("alice", alice, 0x5E4E_0001L,
            new DominantSpeaker(Router.SPEAKER_SWITCH_HOLD_NANOS));
    private final Consumer toBob = new Consumer("bob<alice-1", camera, bob, 0xB0B0_0001L, 0xB0B0_0002L);
    /** Per layer: its next sequence number, timestamp and picture id, each layer numbering on its own. */
    private final int[] sequence = {100, 30000, 65530};
    private final long[] timestamp = {1000, 500_000, 9_000_000};
    private final int[] pictureId = {10, 2000, 32760};

    SimulcastForwardingTest() {
        camera.setExtensionIds(Map.of(SupportedCodecs.MID_URI, MID_ID, SupportedCodecs.RTP_STREAM_ID_URI, RID_ID));
        session.publishProducers(List.of(camera));
        session.publishStreamIdExtensionIds(MID_ID, RID_ID, REPAIRED_RID_ID);
        camera.addConsumer(toBob);
        toBob.activate(VP8, List.of());
    }

    /**
     * One frame of a layer in one packet: RTP with the mid and rid elements (RFC 8285 one-byte form), then a VP8
     * descriptor with a 15-bit picture id and, for a keyframe, the frame size (RFC 6386 §9.1).
     */
    private PacketBuffer frame(int layer, boolean key) {
        byte[] p = new byte[12 + 8 + 4 + 10];
        p[0] = (byte) 0x90;
        p[1] = (byte) (0x80 | 96);
        RtpPacket.setSequenceNumber(p, 0, sequence[layer]);
        RtpPacket.setTimestamp(p, 0, timestamp[layer]);
        RtpPacket.setSsrc(p, 0, SSRC[layer]);
        sequence[layer] = (sequence[layer] + 1) & 0xFFFF;
        timestamp[layer] += 3000;
        p[12] = (byte) 0xBE;
        p[13] = (byte) 0xDE;
        p[15] = 1;
        p[16] = (byte) (MID_ID << 4);
        p[17] = '1';
        p[18] = (byte) (RID_ID << 4);
        p[19] = (byte) RID[layer].charAt(0);
        int d = 20;
        int id = pictureId[layer];
        pictureId[layer] = (id + 1) & 0x7fff;
        p[d] = (byte) 0x90;
        p[d + 1] = (byte) 0x80;
        p[d + 2] = (byte) (0x80 | (id >>> 8));
        p[d + 3] = (byte) id;
        int h = d + 4;
        p[h] = (byte) (key ? 0x10 : 0x11);
        p[h + 3] = (byte) 0x9d;
        p[h + 4] = 0x01;
        p[h + 5] = 0x2a;
        p[h + 6] = (byte) (HEIGHT[layer] * 16 / 9);
        p[h + 7] = (byte) ((HEIGHT[layer] * 16 / 9) >>> 8);
        p[h + 8] = (byte) HEIGHT[layer];
        p[h + 9] = (byte) (HEIGHT[layer] >>> 8);
        return new PacketBuffer(java.util.Arrays.copyOf(p, p.length + PacketBuffer.TRAILER_ROOM), 0, p.length);
    }

    /** Every layer sends one frame at {@code atMillis}, in the order given. */
    private void frames(long atMillis, boolean key, int... layers) {
        for (int layer : layers) {
            session.onRtp(frame(layer, key), atMillis * MS);
        }
    }

    private static int pictureIdOf(byte[] p) {
        Vp8PayloadDescriptor d = new Vp8PayloadDescriptor();
        int payload = RtpPacket.payloadOffset(p, 0);
        assertTrue(d.read(p, payload, p.length));
        return d.pictureId(p);
    }

    /** The media SSRCs of the PLIs the sender was sent (RFC 4585 §6.3.1), in order. */
    private List<Long> plis() {
        List<Long> out = new ArrayList<>();
        for (byte[] r : alice.rtcp) {
            if (RtcpFeedback.isPli(r, 0, r.length)) {
                out.add(RtcpHeader.mediaSsrc(r, 0));
            }
        }
        return out;
    }

    private void assertOneContinuousStream() {
        for (int i = 1; i < bob.rtp.size(); i++) {
            byte[] before = bob.rtp.get(i - 1);
            byte[] p = bob.rtp.get(i);
            assertEquals(0xB0B0_0001L, RtpPacket.ssrc(p, 0));
            assertEquals((RtpPacket.sequenceNumber(before, 0) + 1) & 0xFFFF, RtpPacket.sequenceNumber(p, 0),
                    "packet " + i + ": sequence numbers without a gap");
            assertEquals((pictureIdOf(before) + 1) & 0x7fff, pictureIdOf(p), "packet " + i + ": picture ids too");
            assertTrue(((RtpPacket.timestamp(p, 0) - RtpPacket.timestamp(before, 0)) & 0xFFFF_FFFFL) > 0,
                    "timestamps move forward");
        }
    }

    @Test
    void layersAreBoundByRidAndTheReceiverGetsTheBestOneAsOneStream() {
        frames(0, true, 0, 1, 2);

        for (int layer = 0; layer < 3; layer++) {
            assertEquals(SSRC[layer], camera.layerSsrc(layer), "rid " + RID[layer] + " bound to its SSRC");
            assertEquals(HEIGHT[layer], camera.layerHeight(layer), "its height from its keyframe");
        }
        assertEquals(2, toBob.currentLayer(), "the highest layer that flows");

        for (int i = 1; i <= 10; i++) {
            frames(33L * i, false, 0, 1, 2);
        }

        assertEquals(3 + 10, bob.rtp.size(), "q, h, f keyframes as each became the best, then f only");
        assertOneContinuousStream();
        assertEquals(2, toBob.layerSwitches(), "q to h to f");
        assertEquals(List.of(SSRC[0], SSRC[1], SSRC[2]), plis(), "one request per layer, naming its SSRC");
    }

    @Test
    void aMaximumHeightMovesTheReceiverDownAtThatLayersKeyframeWithOneRequest() {
        frames(0, true, 0, 1, 2);
        frames(33, false, 0, 1, 2);
        int plisBefore = plis().size();
        int sentBefore = bob.rtp.size();

        toBob.setMaxHeight(360);
        // Until h's keyframe comes, f goes on: the receiver never waits with nothing.
        frames(400, false, 0, 1, 2);
        frames(433, false, 0, 1, 2);
        assertEquals(List.of(SSRC[1]), plis().subList(plisBefore, plis().size()), "one PLI, for h");
        assertEquals(2, toBob.currentLayer(), "still f until h's keyframe");
        assertEquals(sentBefore + 2, bob.rtp.size());

        frames(466, true, 1);
        frames(466, false, 0, 2);
        frames(500, false, 0, 1, 2);

        assertEquals(1, toBob.currentLayer());
        assertEquals(sentBefore + 4, bob.rtp.size(), "h's keyframe and then h only");
        assertEquals(List.of(SSRC[1]), plis().subList(plisBefore, plis().size()), "still one PLI for the switch");
        assertEquals(3, toBob.layerSwitches());
        assertOneContinuousStream();

        toBob.setMaxHeight(100);
        frames(900, false, 0, 1, 2);
        frames(933, true, 0);
        assertEquals(0, toBob.currentLayer(), "smaller than every layer: the lowest");
        assertOneContinuousStream();
    }

    @Test
    void aLayerThatStopsIsLeftForOneThatFlows() {
        frames(0, true, 0, 1, 2);
        // f stops (the sender's uplink no longer carries it); q and h go on.
        for (int i = 1; i <= 40; i++) {
            frames(33L * i, false, 0, 1);
        }
        assertEquals(1, toBob.targetLayer(), "after a second without f, h is the target");
        frames(1400, true, 1);
        assertEquals(1, toBob.currentLayer());
        assertOneContinuousStream();
    }

    @Test
    void aLayerKeepsFlowingLongAfterTheSwitchAcrossItsSequenceWrap() {
        frames(0, true, 0, 1, 2);
        // f alone, for more than a whole sequence space: its numbers wrap, and pass the switch's again.
        for (int i = 1; i <= 70_000; i++) {
            frames(i, false, 2);
        }
        assertEquals(3 + 70_000, bob.rtp.size(), "every packet of the current layer forwarded");
        assertOneContinuousStream();
    }

    @Test
    void retransmissionsOfALayerAreBoundByTheirRepairedRid() {
        frames(0, true, 0, 1, 2);
        byte[] rtx = new byte[12 + 8 + 2 + 4];
        rtx[0] = (byte) 0x90;
        rtx[1] = 97;
        RtpPacket.setSequenceNumber(rtx, 0, 7);
        RtpPacket.setSsrc(rtx, 0, 0xA100_0002L);
        rtx[12] = (byte) 0xBE;
        rtx[13] = (byte) 0xDE;
        rtx[15] = 1;
        rtx[16] = (byte) (MID_ID << 4);
        rtx[17] = '1';
        rtx[18] = (byte) (REPAIRED_RID_ID << 4);
        rtx[19] = 'h';
        rtx[20] = (byte) (30000 >>> 8);
        rtx[21] = (byte) 30000;
        session.onRtp(new PacketBuffer(java.util.Arrays.copyOf(rtx, rtx.length + PacketBuffer.TRAILER_ROOM), 0,
                rtx.length), 10 * MS);
        assertEquals(0xA100_0002L, camera.layerRtxSsrc(1), "the RTX SSRC of h");
        assertEquals(-1, camera.layerRtxSsrc(0));
    }
}
