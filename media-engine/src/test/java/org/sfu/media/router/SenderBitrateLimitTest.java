package org.sfu.media.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sfu.media.rtcp.Remb;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.sdp.RtpCodec;

/**
 * The REMB toward the sender of a video sent as one stream: the highest allowance among its receivers, sent at once
 * when it falls, refreshed every second, lifted explicitly, and never for a simulcast video, a sender that did not
 * negotiate {@code goog-remb}, or while a receiver's allowance is unknown.
 */
class SenderBitrateLimitTest {
    private static final long MS = 1_000_000L;
    private static final long SENDER_SSRC = 0x5E4E_0001L;
    private static final long CAMERA_SSRC = 0xA000_0001L;
    private static final List<RtpCodec> VP8_WITH_REMB = List.of(
            new RtpCodec(96, "VP8", 90000, 1, Map.of(), List.of("goog-remb", "transport-cc", "nack")),
            new RtpCodec(97, "rtx", 90000, 1, Map.of("apt", "96"), List.of()));
    private static final List<RtpCodec> VP8_WITHOUT_REMB = List.of(
            new RtpCodec(96, "VP8", 90000, 1, Map.of(), List.of("transport-cc", "nack")));

    private final FakeTransport alice = new FakeTransport();
    private final Producer camera = new Producer("alice-1", "alice", alice, SENDER_SSRC, MediaKind.VIDEO, "1",
            CAMERA_SSRC, -1, VP8_WITH_REMB);
    private final Consumer toBob = consume(camera, 0xB0B0_0001L);
    private final Consumer toCarol = consume(camera, 0xCA20_0001L);

    private static Consumer consume(Producer p, long ssrc) {
        Consumer c = new Consumer("x<" + p.id(), p, new FakeTransport(), ssrc, -1);
        p.addConsumer(c);
        c.activate(VP8_WITH_REMB, List.of());
        return c;
    }

    private List<Long> rembs() {
        List<Long> out = new ArrayList<>();
        for (byte[] r : alice.rtcp) {
            if (Remb.isRemb(r, 0, r.length)) {
                Remb remb = Remb.parse(r, 0, r.length);
                assertEquals(List.of(CAMERA_SSRC), remb.ssrcs(), "the camera's SSRC");
                assertEquals(SENDER_SSRC, remb.senderSsrc());
                out.add(remb.bitrateBps());
            }
        }
        return out;
    }

    @Test
    void theLimitIsTheHighestAllowanceAmongTheReceiversAndUnknownMeansNone() {
        toBob.allowSenderBitrate(300_000);
        toCarol.allowSenderBitrate(1_200_000);
        assertEquals(1_200_000, SenderBitrateLimit.limit(camera.consumers()), "the best-placed receiver's");
        toCarol.allowSenderBitrate(-1);
        assertEquals(-1, SenderBitrateLimit.limit(camera.consumers()), "carol gives no estimate: no limit");
        toCarol.setPaused(true);
        assertEquals(300_000, SenderBitrateLimit.limit(camera.consumers()), "a receiver that paused it needs nothing");
        toBob.allowSenderBitrate(1_000);
        assertEquals(SenderBitrateLimit.MIN_BPS, SenderBitrateLimit.limit(camera.consumers()), "never below the floor");
    }

    @Test
    void sentAtOnceWhenItFallsRefreshedEverySecondAndLiftedExplicitly() {
        SenderBitrateLimit limit = camera.bitrateLimit();
        assertNotNull(limit, "a single-stream video whose sender negotiated goog-remb");
        assertFalse(limit.tick(0), "no allowance yet: nothing to say");

        toBob.allowSenderBitrate(500_000);
        toCarol.allowSenderBitrate(400_000);
        assertTrue(limit.tick(250 * MS));
        assertEquals(List.of(500_000L), rounded(rembs()));
        assertFalse(limit.tick(500 * MS), "unchanged: not before a second");
        toBob.allowSenderBitrate(490_000);
        assertFalse(limit.tick(750 * MS), "a 2 % fall waits for the refresh");
        assertTrue(limit.tick(1_250 * MS), "the refresh");
        toBob.allowSenderBitrate(300_000);
        assertTrue(limit.tick(1_500 * MS), "a fall of more than 3 %: at once");
        assertEquals(List.of(500_000L, 490_000L, 400_000L), rounded(rembs()), "carol's 400 kbit/s is the highest now");

        toCarol.allowSenderBitrate(-1);
        assertTrue(limit.tick(2_500 * MS), "lifted: said, so that the sender forgets the last limit");
        assertEquals(SenderBitrateLimit.UNLIMITED_BPS, rounded(rembs()).get(3));
        assertTrue(limit.tick(3_500 * MS), "said once more a second later");
        assertFalse(limit.tick(4_500 * MS), "then quiet");
        assertEquals(5, rembs().size());
    }

    @Test
    void noLimitForASimulcastVideoOrASenderWithoutRemb() {
        Producer layered = new Producer("erin-1", "erin", new FakeTransport(), SENDER_SSRC, MediaKind.VIDEO, "1", -1,
                -1, VP8_WITH_REMB, List.of(new Producer.Layer("q", 1, -1), new Producer.Layer("f", 2, -1)));
        assertNull(layered.bitrateLimit(), "its receivers pick layers; a limit would stop the top ones for good");
        Producer plain = new Producer("dave-1", "dave", new FakeTransport(), SENDER_SSRC, MediaKind.VIDEO, "1", 3, -1,
                VP8_WITHOUT_REMB);
        assertNull(plain.bitrateLimit(), "goog-remb not negotiated");
    }

    /** REMB's mantissa and exponent round a rate down by less than 0.01 % at these rates: to the nearest 10 kbit/s. */
    private static List<Long> rounded(List<Long> bps) {
        return bps.stream().map(b -> b >= SenderBitrateLimit.UNLIMITED_BPS / 2 ? SenderBitrateLimit.UNLIMITED_BPS
                : Math.round(b / 10_000.0) * 10_000).toList();
    }
}
