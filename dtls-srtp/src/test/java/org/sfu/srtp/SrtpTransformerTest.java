package org.sfu.srtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sfu.packet.PacketBuffer;

class SrtpTransformerTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Sender-side keys; the receiver uses {@link SrtpKeyMaterial#mirrored()}. */
    private static SrtpKeyMaterial keys(SrtpProfile profile) {
        return new SrtpKeyMaterial(profile, random(profile.keyLength()), random(profile.saltLength()),
                random(profile.keyLength()), random(profile.saltLength()));
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /**
     * A VP8 RTP packet (RFC 3550 §5.1, RFC 7741): V=2, X=1 with a one-byte-header extension (RFC 8285,
     * abs-send-time id 3), M=1, PT=96, then a VP8 payload descriptor and payload bytes.
     */
    static byte[] vp8Rtp(int seq, int ssrc) {
        byte[] header = {
            (byte) 0x90, (byte) 0xE0, (byte) (seq >> 8), (byte) seq,
            0x00, 0x01, (byte) 0xE2, 0x40,                                   // timestamp 123456
            (byte) (ssrc >> 24), (byte) (ssrc >> 16), (byte) (ssrc >> 8), (byte) ssrc,
            (byte) 0xBE, (byte) 0xDE, 0x00, 0x01,                            // RFC 8285 one-byte header, 1 word
            0x32, 0x12, 0x34, 0x56,                                          // id 3, len 3: abs-send-time
            (byte) 0x90, (byte) 0x80, 0x12, 0x34,                            // VP8 descriptor: X, S, I, PictureID
            0x10, 0x02, 0x00, (byte) 0x9D, 0x01, 0x2A,                       // key frame start code
        };
        byte[] packet = Arrays.copyOf(header, header.length + 1000);
        for (int i = header.length; i < packet.length; i++) {
            packet[i] = (byte) i;
        }
        return packet;
    }

    /** An RTCP receiver report (RFC 3550 §6.4.2) with one report block, then a PLI (RFC 4585 §6.3.1). */
    static byte[] rtcpCompound(int senderSsrc, int mediaSsrc) {
        return new byte[] {
            (byte) 0x81, (byte) 201, 0x00, 0x07,
            (byte) (senderSsrc >> 24), (byte) (senderSsrc >> 16), (byte) (senderSsrc >> 8), (byte) senderSsrc,
            (byte) (mediaSsrc >> 24), (byte) (mediaSsrc >> 16), (byte) (mediaSsrc >> 8), (byte) mediaSsrc,
            0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x12, 0x34,  0x00, 0x00, 0x00, 0x10,
            0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,
            (byte) 0x81, (byte) 206, 0x00, 0x02,
            (byte) (senderSsrc >> 24), (byte) (senderSsrc >> 16), (byte) (senderSsrc >> 8), (byte) senderSsrc,
            (byte) (mediaSsrc >> 24), (byte) (mediaSsrc >> 16), (byte) (mediaSsrc >> 8), (byte) mediaSsrc,
        };
    }

    private static int tagLength(SrtpProfile profile) {
        return profile == SrtpProfile.AEAD_AES_128_GCM ? 16 : 10;
    }

    @Test
    void aPeerThatMintsSsrcsGetsNoMoreThanTheCapOfInboundContexts() {
        // It holds the keys, so every packet authenticates: without a cap each new SSRC would keep a context for ever.
        SrtpKeyMaterial k = keys(SrtpProfile.AEAD_AES_128_GCM);
        try (SrtpTransformer sender = new SrtpTransformer(k);
             SrtpTransformer receiver = new SrtpTransformer(k.mirrored())) {
            int accepted = 0;
            for (int ssrc = 1; ssrc <= SrtpTransformer.MAX_INBOUND_SSRCS + 50; ssrc++) {
                byte[] rtp = vp8Rtp(1, ssrc);
                PacketBuffer p = PacketBuffer.copyOf(rtp, 0, rtp.length);
                assertTrue(sender.protectRtp(p));
                accepted += receiver.unprotectRtp(p) ? 1 : 0;
            }
            assertEquals(SrtpTransformer.MAX_INBOUND_SSRCS, accepted);
            assertEquals(50L, receiver.counters().get("srtp.dropped_too_many_ssrcs"));
            // The streams it already has keep flowing.
            byte[] again = vp8Rtp(2, 1);
            PacketBuffer p = PacketBuffer.copyOf(again, 0, again.length);
            assertTrue(sender.protectRtp(p));
            assertTrue(receiver.unprotectRtp(p));
        }
    }

    @Test
    void garbageUnderNewSsrcsCostsAKeyDerivationOnlyAtABoundedRate() {
        // Each packet under an unknown SSRC needs a context derived before its tag can fail (RFC 3711 §4.3): a flood
        // of such garbage is examined only up to the budget, and established streams are untouched by it.
        SrtpKeyMaterial k = keys(SrtpProfile.AES_CM_128_HMAC_SHA1_80);
        long[] now = {0};
        try (SrtpTransformer sender = new SrtpTransformer(k);
             SrtpTransformer receiver = new SrtpTransformer(k.mirrored(), () -> now[0])) {
            byte[] first = vp8Rtp(1, 7);
            PacketBuffer established = PacketBuffer.copyOf(first, 0, first.length);
            assertTrue(sender.protectRtp(established));
            assertTrue(receiver.unprotectRtp(established));

            int garbage = SrtpTransformer.FRESH_FAILURE_BURST + 200;
            for (int ssrc = 100; ssrc < 100 + garbage; ssrc++) {
                byte[] rtp = vp8Rtp(1, ssrc);   // never protected: its "tag" is payload bytes
                assertFalse(receiver.unprotectRtp(PacketBuffer.copyOf(rtp, 0, rtp.length)));
            }
            Map<String, Long> c = receiver.counters();
            assertEquals((long) SrtpTransformer.FRESH_FAILURE_BURST, c.get("srtp.dropped_auth_failed"));
            assertEquals(200L, c.get("srtp.dropped_new_ssrc_throttled"));

            // The established stream keeps flowing; a real new stream waits for the budget to refill.
            byte[] next = vp8Rtp(2, 7);
            PacketBuffer p = PacketBuffer.copyOf(next, 0, next.length);
            assertTrue(sender.protectRtp(p));
            assertTrue(receiver.unprotectRtp(p));
            byte[] fresh = vp8Rtp(1, 8);
            PacketBuffer q = PacketBuffer.copyOf(fresh, 0, fresh.length);
            assertTrue(sender.protectRtp(q));
            byte[] protectedCopy = Arrays.copyOfRange(q.buffer(), q.offset(), q.offset() + q.length());
            assertFalse(receiver.unprotectRtp(q));
            now[0] += 1_000_000_000L / SrtpTransformer.FRESH_FAILURES_PER_SECOND;
            assertTrue(receiver.unprotectRtp(PacketBuffer.copyOf(protectedCopy, 0, protectedCopy.length)));
        }
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void rtpRoundTripTamperAndReplay(SrtpProfile profile) {
        SrtpKeyMaterial k = keys(profile);
        try (SrtpTransformer sender = new SrtpTransformer(k);
             SrtpTransformer receiver = new SrtpTransformer(k.mirrored())) {
            for (int seq = 65530; seq < 65540; seq++) {   // across the sequence-number wrap (ROC 0 → 1)
                byte[] rtp = vp8Rtp(seq & 0xFFFF, 0x11223344);
                PacketBuffer p = PacketBuffer.copyOf(rtp, 0, rtp.length);
                assertTrue(sender.protectRtp(p));
                assertEquals(rtp.length + tagLength(profile), p.length());
                assertArrayEquals(Arrays.copyOf(rtp, 12), Arrays.copyOfRange(p.buffer(), p.offset(), p.offset() + 12),
                        "the RTP header stays in the clear");
                assertFalse(Arrays.equals(Arrays.copyOfRange(rtp, 40, 100),
                        Arrays.copyOfRange(p.buffer(), p.offset() + 40, p.offset() + 100)), "the payload is encrypted");
                byte[] wire = p.toByteArray();

                PacketBuffer received = PacketBuffer.copyOf(wire, 0, wire.length);
                assertTrue(receiver.unprotectRtp(received));
                assertArrayEquals(rtp, received.toByteArray());

                PacketBuffer replayed = PacketBuffer.copyOf(wire, 0, wire.length);
                assertFalse(receiver.unprotectRtp(replayed), "replay");
            }

            byte[] rtp = vp8Rtp(7, 0x11223344 + 1);
            PacketBuffer p = PacketBuffer.copyOf(rtp, 0, rtp.length);
            assertTrue(sender.protectRtp(p));
            byte[] wire = p.toByteArray();
            for (int at : new int[] {3, 500, wire.length - 1}) {   // header, payload, tag
                byte[] tampered = wire.clone();
                tampered[at] ^= 0x01;
                assertFalse(receiver.unprotectRtp(PacketBuffer.copyOf(tampered, 0, tampered.length)), "tampered at " + at);
            }
            // The untouched packet still gets through after the failures.
            assertTrue(receiver.unprotectRtp(PacketBuffer.copyOf(wire, 0, wire.length)));

            Map<String, Long> counters = receiver.counters();
            assertEquals(11, counters.get("srtp.rtp_unprotected"));
            assertEquals(10, counters.get("srtp.dropped_replay"));
        }
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void rtcpRoundTripTamperAndReplay(SrtpProfile profile) {
        SrtpKeyMaterial k = keys(profile);
        try (SrtpTransformer sender = new SrtpTransformer(k);
             SrtpTransformer receiver = new SrtpTransformer(k.mirrored())) {
            for (int i = 0; i < 3; i++) {
                byte[] rtcp = rtcpCompound(0x0A0B0C0D, 0x11223344);
                PacketBuffer p = PacketBuffer.copyOf(rtcp, 0, rtcp.length);
                assertTrue(sender.protectRtcp(p));
                assertEquals(rtcp.length + 4 + tagLength(profile), p.length(), "SRTCP index and tag appended");
                byte[] wire = p.toByteArray();

                PacketBuffer received = PacketBuffer.copyOf(wire, 0, wire.length);
                assertTrue(receiver.unprotectRtcp(received));
                assertArrayEquals(rtcp, received.toByteArray());

                assertFalse(receiver.unprotectRtcp(PacketBuffer.copyOf(wire, 0, wire.length)), "replay");

                byte[] tampered = wire.clone();
                tampered[20] ^= (byte) 0x80;
                assertFalse(receiver.unprotectRtcp(PacketBuffer.copyOf(tampered, 0, tampered.length)), "tampered");
            }
        }
    }

    @Test
    void protectGrowsABufferWithNoTailroom() {
        SrtpKeyMaterial k = keys(SrtpProfile.AEAD_AES_128_GCM);
        try (SrtpTransformer sender = new SrtpTransformer(k);
             SrtpTransformer receiver = new SrtpTransformer(k.mirrored())) {
            byte[] rtp = vp8Rtp(1, 42);
            PacketBuffer exact = new PacketBuffer(rtp.clone(), 0, rtp.length);
            assertTrue(sender.protectRtp(exact));
            assertEquals(rtp.length + 16, exact.length());
            assertTrue(receiver.unprotectRtp(exact));
            assertArrayEquals(rtp, exact.toByteArray());
        }
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void garbageIsRejectedNotThrown(SrtpProfile profile) {
        SrtpKeyMaterial k = keys(profile);
        try (SrtpTransformer t = new SrtpTransformer(k)) {
            byte[][] garbage = {
                {},
                {(byte) 0x80},
                {(byte) 0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1},                    // no room for a tag
                Arrays.copyOf(new byte[] {0x40, 0x60}, 200),                          // version 1
                Arrays.copyOf(new byte[] {(byte) 0x9F, 0x60}, 40),                    // 15 CSRCs past the end
                Arrays.copyOf(new byte[] {(byte) 0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, (byte) 0xBE, (byte) 0xDE,
                    (byte) 0xFF, (byte) 0xFF}, 60),                                   // extension past the end
                random(300),
            };
            for (byte[] g : garbage) {
                if (g.length > 0 && (g[0] & 0xC0) == 0x80 && g.length == 300) {
                    continue;
                }
                assertFalse(t.unprotectRtp(PacketBuffer.copyOf(g, 0, g.length)));
                assertFalse(t.unprotectRtcp(PacketBuffer.copyOf(g, 0, g.length)));
            }
            // Well-formed but not authentic: random bytes after a valid RTP/RTCP header.
            byte[] fakeRtp = vp8Rtp(5, 99);
            assertFalse(t.unprotectRtp(PacketBuffer.copyOf(fakeRtp, 0, fakeRtp.length)));
            byte[] fakeRtcp = Arrays.copyOf(rtcpCompound(1, 2), 60);
            assertFalse(t.unprotectRtcp(PacketBuffer.copyOf(fakeRtcp, 0, fakeRtcp.length)));
            assertFalse(t.protectRtp(PacketBuffer.copyOf(new byte[5], 0, 5)));
            assertFalse(t.protectRtcp(PacketBuffer.copyOf(new byte[5], 0, 5)));
        }
    }

    @Test
    void closedTransformerRefusesPackets() {
        SrtpKeyMaterial k = keys(SrtpProfile.AES_CM_128_HMAC_SHA1_80);
        SrtpTransformer t = new SrtpTransformer(k);
        t.close();
        t.close();
        byte[] rtp = vp8Rtp(1, 1);
        assertFalse(t.protectRtp(PacketBuffer.copyOf(rtp, 0, rtp.length)));
    }
}
