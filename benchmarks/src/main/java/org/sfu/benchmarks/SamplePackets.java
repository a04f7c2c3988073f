package org.sfu.benchmarks;

import java.util.SplittableRandom;

import org.sfu.media.rtp.RtpPacket;
import org.sfu.srtp.SrtpKeyMaterial;
import org.sfu.srtp.SrtpProfile;

/**
 * The inputs every benchmark shares: a video RTP packet shaped like a browser's, and SRTP keys. Built from a fixed
 * seed so that runs are comparable.
 */
public final class SamplePackets {
    /** Dynamic payload type a browser typically offers first for VP8. */
    public static final int VP8_PAYLOAD_TYPE = 96;
    public static final long SSRC = 0x1234ABCDL;

    /**
     * RFC 8285 §4.2 one-byte header extension block (profile 0xBEDE, 3 words), as a browser sends on video:
     * abs-send-time (id 2, 3 bytes), transport-wide-cc sequence number (id 3, 2 bytes), mid "0" (id 4, 1 byte),
     * then three padding bytes to the 32-bit boundary (9 bytes of elements, 12 of data).
     */
    private static final byte[] EXTENSION_BLOCK = {
        (byte) 0xBE, (byte) 0xDE, 0x00, 0x03,
        0x22, 0x12, 0x34, 0x56,
        0x31, 0x00, 0x2A,
        0x40, '0',
        0x00, 0x00, 0x00,
    };

    /** Fixed header (12) + extension header (4) + extension data (12). */
    public static final int HEADER_LENGTH = RtpPacket.FIXED_HEADER_LENGTH + EXTENSION_BLOCK.length;

    private SamplePackets() {
    }

    /**
     * A plain (unprotected) RTP packet of {@code HEADER_LENGTH + payloadLength} bytes at offset 0 of an array with
     * {@code trailerRoom} spare bytes behind it.
     */
    public static byte[] videoPacket(int payloadLength, int trailerRoom) {
        byte[] b = new byte[HEADER_LENGTH + payloadLength + trailerRoom];
        b[0] = (byte) 0x90; // RFC 3550 §5.1: V=2, P=0, X=1, CC=0
        b[1] = (byte) VP8_PAYLOAD_TYPE;
        RtpPacket.setSequenceNumber(b, 0, 1);
        RtpPacket.setTimestamp(b, 0, 90_000L);
        RtpPacket.setSsrc(b, 0, SSRC);
        System.arraycopy(EXTENSION_BLOCK, 0, b, RtpPacket.FIXED_HEADER_LENGTH, EXTENSION_BLOCK.length);
        SplittableRandom random = new SplittableRandom(payloadLength);
        for (int i = HEADER_LENGTH; i < HEADER_LENGTH + payloadLength; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        if (!RtpPacket.isValidRtp(b, 0, HEADER_LENGTH + payloadLength)
                || RtpPacket.headerLength(b, 0) != HEADER_LENGTH) {
            throw new IllegalStateException("sample packet is not the RTP packet it should be");
        }
        return b;
    }

    /**
     * Random SRTP master keys for one side of a DTLS association; {@link SrtpKeyMaterial#mirrored()} is the peer's
     * view of the same keys.
     */
    public static SrtpKeyMaterial keys(SrtpProfile profile, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return new SrtpKeyMaterial(profile,
                bytes(random, profile.keyLength()), bytes(random, profile.saltLength()),
                bytes(random, profile.keyLength()), bytes(random, profile.saltLength()));
    }

    private static byte[] bytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
