package org.sfu.media.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The VP8 payload descriptor (RFC 7741 §4.2) of one outgoing stream stays continuous when the stream changes from one
 * simulcast layer to another: picture id, TL0PICIDX and KEYIDX continue from the last forwarded ones.
 */
class Vp8RewriterTest {
    private static final int PAYLOAD = 12;

    /**
     * An RTP packet whose VP8 descriptor has X, I (M when {@code longId}), L, T and K, starting a frame; a keyframe's
     * payload header (RFC 6386 §9.1, 640x360) when {@code key}.
     */
    static byte[] packet(int pictureId, boolean longId, int tl0, int tid, int keyIdx, boolean key) {
        byte[] p = new byte[PAYLOAD + 6 + 10];
        p[0] = (byte) 0x80;
        p[1] = 96;
        int i = PAYLOAD;
        p[i++] = (byte) 0x90; // X, S, PID 0
        p[i++] = (byte) 0xF0; // I L T K
        if (longId) {
            p[i++] = (byte) (0x80 | (pictureId >>> 8));
            p[i++] = (byte) pictureId;
        } else {
            p[i++] = (byte) (pictureId & 0x7f);
        }
        p[i++] = (byte) tl0;
        p[i++] = (byte) ((tid << 6) | 0x20 | keyIdx);
        p[i] = (byte) (key ? 0x10 : 0x11); // frame tag: P bit (0x01) clear for a keyframe
        p[i + 3] = (byte) 0x9d;
        p[i + 4] = 0x01;
        p[i + 5] = 0x2a;
        p[i + 6] = (byte) 0x80; // width 640
        p[i + 7] = 0x02;
        p[i + 8] = 0x68; // height 360
        p[i + 9] = 0x01;
        return p;
    }

    private static final Vp8PayloadDescriptor READ = new Vp8PayloadDescriptor();

    private static int[] fields(byte[] p) {
        assertTrue(READ.read(p, PAYLOAD, p.length));
        return new int[] {READ.pictureId(p), READ.tl0PicIdx(p), READ.keyIdx(p), READ.temporalLayer(p)};
    }

    private static int[] send(Vp8Rewriter r, byte[] p) {
        assertTrue(r.rewrite(p, PAYLOAD, p.length));
        return fields(p);
    }

    @Test
    void readsEveryFieldAndTheKeyframeSize() {
        byte[] p = packet(0x1234, true, 200, 2, 17, true);
        assertEquals(0x1234, fields(p)[0]);
        assertEquals(200, fields(p)[1]);
        assertEquals(17, fields(p)[2]);
        assertEquals(2, fields(p)[3]);
        assertTrue(READ.startsFrame());
        assertEquals(360, Vp8PayloadDescriptor.keyframeHeight(p, PAYLOAD, p.length));
        assertEquals(-1, Vp8PayloadDescriptor.keyframeHeight(packet(1, true, 0, 0, 0, false), PAYLOAD, p.length),
                "not a keyframe");
        assertFalse(READ.read(p, PAYLOAD, PAYLOAD + 3), "truncated descriptor");
        assertEquals(-1, Vp8PayloadDescriptor.keyframeHeight(p, PAYLOAD, PAYLOAD + 9), "truncated header");
    }

    @Test
    void theFirstSourcePassesUnchangedAndASwitchContinuesEveryField() {
        Vp8Rewriter r = new Vp8Rewriter();
        // Layer "h": pictures 500..502, base layer index 40.., key index 3.
        assertEquals(500, send(r, packet(500, true, 40, 0, 3, true))[0]);
        send(r, packet(501, true, 40, 1, 3, false));
        int[] last = send(r, packet(502, true, 41, 0, 3, false));
        assertEquals(502, last[0]);

        // Layer "f" numbers on its own: picture 20000, TL0 7, key index 30. The switch is at its keyframe.
        r.switchSource();
        int[] first = send(r, packet(20000, true, 7, 0, 30, true));
        assertEquals(503, first[0], "the picture after the last one forwarded");
        assertEquals(42, first[1], "TL0PICIDX + 1: a keyframe is a base-layer picture");
        assertEquals(4, first[2], "KEYIDX + 1: a new keyframe");
        int[] next = send(r, packet(20001, true, 7, 2, 30, false));
        assertEquals(504, next[0]);
        assertEquals(42, next[1], "a TID 2 picture keeps its base layer's index");
        assertEquals(2, next[3], "the temporal layer is the source's");
        // A second packet of the same picture keeps its number.
        assertEquals(504, send(r, packet(20001, true, 7, 2, 30, false))[0]);

        // And back down to "h", whose numbers moved on meanwhile.
        r.switchSource();
        int[] back = send(r, packet(530, true, 55, 0, 4, true));
        assertEquals(505, back[0]);
        assertEquals(43, back[1]);
        assertEquals(5, back[2]);
    }

    @Test
    void fifteenBitPictureIdsWrap() {
        Vp8Rewriter r = new Vp8Rewriter();
        send(r, packet(100, true, 250, 0, 31, true));
        r.switchSource();
        assertEquals(101, send(r, packet(32766, true, 255, 0, 0, true))[0]);
        r.switchSource();
        // Last sent 101; the source's 32767 and then 0 (its wrap) follow as 102, 103.
        send(r, packet(32767, true, 255, 0, 0, true));
        assertEquals(103, send(r, packet(0, true, 0, 0, 0, false))[0]);

        Vp8Rewriter wrapping = new Vp8Rewriter();
        send(wrapping, packet(32767, true, 255, 0, 31, true));
        wrapping.switchSource();
        int[] afterWrap = send(wrapping, packet(9, true, 3, 0, 5, true));
        assertEquals(0, afterWrap[0], "32767 + 1 wraps to 0 (RFC 7741 §4.2: 15 bits)");
        assertEquals(0, afterWrap[1], "TL0PICIDX wraps at 8 bits");
        assertEquals(0, afterWrap[2], "KEYIDX wraps at 5 bits");
        assertEquals(1, send(wrapping, packet(10, true, 3, 0, 5, false))[0]);
    }

    @Test
    void sevenBitPictureIdsKeepTheirWidth() {
        Vp8Rewriter r = new Vp8Rewriter();
        send(r, packet(126, false, 1, 0, 0, true));
        assertEquals(127, send(r, packet(127, false, 2, 0, 0, false))[0]);
        assertEquals(0, send(r, packet(0, false, 3, 0, 0, false))[0], "7-bit ids wrap at 128");
        r.switchSource();
        byte[] p = packet(40, false, 9, 0, 7, true);
        int[] first = send(r, p);
        assertEquals(1, first[0], "continues after 0, still in 7 bits");
        assertEquals(p.length, packet(40, false, 9, 0, 7, true).length, "the packet keeps its length");
        assertFalse(READ.longPictureId());
        // A 15-bit source after a 7-bit one continues from the last id too: the 7-bit ids wrapped once (127, 0, 1),
        // so in 15 bits the next is 130, whose low seven bits are the 2 that follows 1.
        r.switchSource();
        assertEquals(130, send(r, packet(3000, true, 1, 0, 0, true))[0]);
    }

    @Test
    void aRetransmissionIsRewrittenAsItWasForwardedWithoutMovingTheStream() {
        Vp8Rewriter r = new Vp8Rewriter();
        send(r, packet(10, true, 5, 0, 1, true));
        r.switchSource();
        send(r, packet(900, true, 70, 0, 9, true));
        send(r, packet(901, true, 70, 1, 9, false));
        byte[] again = packet(901, true, 70, 1, 9, false);
        assertTrue(r.rewriteAgain(again, PAYLOAD, again.length));
        assertEquals(12, fields(again)[0]);
        assertEquals(13, send(r, packet(902, true, 71, 0, 9, false))[0], "the stream did not move");
    }

    @Test
    void sequenceNumbersAndPictureIdsStayContinuousAcrossASwitchAtTheSequenceWrap() {
        RtpRewriter rtp = new RtpRewriter(0xABCD, 90000, 65534, 1000);
        Vp8Rewriter vp8 = new Vp8Rewriter();
        byte[] a = packet(7, true, 1, 0, 0, true);
        RtpPacket.setSequenceNumber(a, 0, 100);
        rtp.rewrite(a, 0, 0);
        vp8.rewrite(a, PAYLOAD, a.length);
        byte[] b = packet(8, true, 1, 0, 0, false);
        RtpPacket.setSequenceNumber(b, 0, 101);
        rtp.rewrite(b, 0, 33_000_000L);
        vp8.rewrite(b, PAYLOAD, b.length);
        assertEquals(65535, RtpPacket.sequenceNumber(b, 0));

        rtp.switchSource();
        vp8.switchSource();
        byte[] c = packet(31000, true, 200, 0, 12, true);
        RtpPacket.setSequenceNumber(c, 0, 40000);
        rtp.rewrite(c, 0, 66_000_000L);
        vp8.rewrite(c, PAYLOAD, c.length);
        assertEquals(0, RtpPacket.sequenceNumber(c, 0), "65535 + 1 wraps to 0");
        assertEquals(9, fields(c)[0]);
        assertEquals(2, fields(c)[1]);
        assertEquals(1, fields(c)[2]);
        assertEquals(0xABCD, RtpPacket.ssrc(c, 0));
    }
}
