package org.sfu.media.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.rtp.RtpHeader;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.packet.PacketBuffer;

/**
 * Which layers of alice's three-layer camera (q 180, h 360, f 720 lines) her receivers may be sent: from their
 * maximum heights and pauses, more at once, fewer only after the hold.
 */
class LayerDemandTest {
    private static final long MS = 1_000_000L;
    private static final List<RtpCodec> VP8 = List.of(new RtpCodec(96, "VP8", 90000),
            new RtpCodec(97, "rtx", 90000, 1, Map.of("apt", "96"), List.of()));

    private final Producer camera = new Producer("alice-1", "alice", new FakeTransport(), 0x5E4E_0001L,
            MediaKind.VIDEO, "1", -1, -1, VP8, List.of(new Producer.Layer("q", 0xA001L, -1),
                    new Producer.Layer("h", 0xA002L, -1), new Producer.Layer("f", 0xA003L, -1)));
    private final LayerDemand demand = new LayerDemand(camera);

    private Consumer consume(long ssrc) {
        Consumer c = new Consumer("r<" + camera.id(), camera, new FakeTransport(), ssrc, ssrc + 1);
        camera.addConsumer(c);
        c.activate(VP8, List.of());
        return c;
    }

    /** A VP8 keyframe of one layer carrying its frame size (RFC 6386 §9.1), so that the layer's height is known. */
    private void keyframe(int layer, int height) {
        byte[] b = new byte[40];
        b[0] = (byte) 0x80;
        b[1] = 96;
        RtpPacket.setSequenceNumber(b, 0, 1);
        RtpPacket.setSsrc(b, 0, camera.layerSsrc(layer));
        b[12] = 0x10; // VP8 payload descriptor: start of partition, no extensions
        b[13] = 0x10; // keyframe (P bit clear), show frame
        b[16] = (byte) 0x9d;
        b[17] = 0x01;
        b[18] = 0x2a;
        b[19] = (byte) (height * 16 / 9);
        b[20] = (byte) ((height * 16 / 9) >>> 8);
        b[21] = (byte) height;
        b[22] = (byte) (height >>> 8);
        PacketBuffer packet = new PacketBuffer(Arrays.copyOf(b, b.length + PacketBuffer.TRAILER_ROOM), 0, b.length);
        RtpHeader header = new RtpHeader();
        assertTrue(header.read(packet));
        camera.onRtp(packet, header, layer, false, 0);
        assertEquals(height, camera.layerHeight(layer), "the keyframe gave the layer's height");
    }

    @Test
    void whatTheReceiversMayBeSentFromTheirMaximumHeightsAndPauses() {
        assertEquals(0, LayerDemand.highestWanted(camera), "nobody receives it: the lowest only");
        Consumer bob = consume(0xB0B0_0001L);
        assertEquals(2, LayerDemand.highestWanted(camera), "no maximum height: the top");
        bob.setMaxHeight(360);
        assertEquals(2, LayerDemand.highestWanted(camera), "heights not known yet: each could be within it");
        keyframe(0, 180);
        keyframe(1, 360);
        keyframe(2, 720);
        assertEquals(1, LayerDemand.highestWanted(camera), "360 lines: h");
        bob.setMaxHeight(200);
        assertEquals(0, LayerDemand.highestWanted(camera));
        Consumer carol = consume(0xCA20_0001L);
        assertEquals(2, LayerDemand.highestWanted(camera), "the receiver that wants most counts");
        carol.setPaused(true);
        assertEquals(0, LayerDemand.highestWanted(camera), "one that paused it wants nothing");
        carol.setPaused(false);
        carol.pauseForBandwidth(true);
        assertEquals(0, LayerDemand.highestWanted(camera), "one whose downlink paused it: the lowest");
    }

    @Test
    void moreIsToldAtOnceFewerOnlyAfterTheHold() {
        keyframe(0, 180);
        keyframe(1, 360);
        keyframe(2, 720);
        Consumer bob = consume(0xB0B0_0001L);
        assertNull(demand.tick(0), "all three wanted, as the sender sends from the start: nothing to say");
        bob.setMaxHeight(180);
        assertNull(demand.tick(250 * MS), "fewer: not before the hold");
        assertNull(demand.tick(3_000 * MS));
        assertEquals(List.of("q"), demand.tick(3_250 * MS), "fewer for 3 s");
        assertNull(demand.tick(3_500 * MS), "told once");
        bob.setMaxHeight(0);
        assertEquals(List.of("q", "h", "f"), demand.tick(3_750 * MS), "more: at once");
        bob.setMaxHeight(180);
        assertNull(demand.tick(4_000 * MS));
        bob.setMaxHeight(360);
        assertEquals(List.of("q", "h"), demand.tick(4_250 * MS + LayerDemand.DOWN_HOLD_NANOS),
                "fewer since 4 s, whatever they were meanwhile: the demand now");
    }

    @Test
    void aTrackRenegotiatedOnTheSameMlineKeepsWhatTheSenderWasTold() {
        keyframe(0, 180);
        keyframe(1, 360);
        keyframe(2, 720);
        Consumer bob = consume(0xB0B0_0001L);
        bob.setMaxHeight(180);
        demand.tick(0);
        assertEquals(List.of("q"), demand.tick(LayerDemand.DOWN_HOLD_NANOS));
        // The sender renegotiated: a new track on the same m-line, whose first receiver wants every layer. The sender
        // still has h and f stopped, so it must be told, although "all layers" is where a new track starts.
        Producer replacement = new Producer("alice-1", "alice", new FakeTransport(), 0x5E4E_0001L, MediaKind.VIDEO,
                "1", -1, -1, VP8, List.of(new Producer.Layer("q", 0xA011L, -1), new Producer.Layer("h", 0xA012L, -1),
                        new Producer.Layer("f", 0xA013L, -1)));
        Consumer carol = new Consumer("carol<alice-1", replacement, new FakeTransport(), 0xCA20_0001L, -1);
        replacement.addConsumer(carol);
        LayerDemand next = demand.on(replacement);
        assertEquals(List.of("q", "h", "f"), next.tick(LayerDemand.DOWN_HOLD_NANOS + 250 * MS));
        assertNull(new LayerDemand(replacement).tick(0), "a track without a past starts with every layer on");
    }

    @Test
    void afterASignalingResumeTheLastStateIsToldAgain() {
        keyframe(0, 180);
        keyframe(1, 360);
        keyframe(2, 720);
        Consumer bob = consume(0xB0B0_0001L);
        demand.retell();
        assertNull(demand.tick(0), "nothing was ever told: nothing to repeat");
        bob.setMaxHeight(180);
        demand.tick(MS);
        assertEquals(List.of("q"), demand.tick(MS + LayerDemand.DOWN_HOLD_NANOS));
        bob.setMaxHeight(0);
        // "Every layer" was written into a connection that dropped before it left; the client resumes.
        assertEquals(List.of("q", "h", "f"), demand.tick(4_000 * MS));
        demand.retell();
        assertEquals(List.of("q", "h", "f"), demand.tick(4_250 * MS), "told again");
        assertNull(demand.tick(4_500 * MS), "once");
    }
}
