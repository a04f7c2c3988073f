package org.sfu.media.rtcp;

import java.util.Arrays;

/**
 * Transport-wide congestion control feedback: RTPFB FMT 15
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1). An immutable parsed value
 * ({@link #parse}) plus a builder ({@link #build}) that writes straight from caller-owned arrays.
 *
 * <pre>
 * |V=2|P|  FMT=15 |    PT=205     |           length              |
 * |                     SSRC of packet sender                     |
 * |                      SSRC of media source                     |
 * |      base sequence number     |      packet status count      |
 * |                 reference time                | fb pkt. count |
 * |          packet chunk         |         packet chunk          |  ...
 * |         recv delta            |  recv delta   | zero padding  |  ...
 * </pre>
 *
 * Each packet from base sequence number on has a status symbol (§3.1.1): 0 not received,
 * 1 received with a small delta (one byte, 0..255 × 250 µs), 2 received with a large or
 * negative delta (two bytes, signed, × 250 µs); 3 is reserved. Deltas are relative to the
 * previous received packet, the first one to reference time × 64 ms (§3.1.5).
 */
public final class TransportCcFeedback {
    public static final int FMT = 15;

    public static final int STATUS_NOT_RECEIVED = 0;
    public static final int STATUS_SMALL_DELTA = 1;
    public static final int STATUS_LARGE_DELTA = 2;

    /** §3.1.5: receive deltas count 250 µs ticks. */
    public static final long DELTA_MICROS = 250;
    /** §3.1: reference time counts 64 ms units, 24 bits. */
    public static final long REFERENCE_TIME_MILLIS = 64;
    public static final int MAX_REFERENCE_TIME = 0xFF_FFFF;
    public static final int MAX_PACKET_STATUS_COUNT = 0xFFFF;

    /** Feedback header (12) + base sequence, status count, reference time, fb count (8). */
    static final int FIXED_LENGTH = 20;

    /** §3.1.3: 13-bit run length. */
    private static final int MAX_RUN_LENGTH = 0x1FFF;
    private static final int ONE_BIT_SYMBOLS = 14;
    private static final int TWO_BIT_SYMBOLS = 7;

    private final long senderSsrc;
    private final long mediaSsrc;
    private final int baseSequence;
    private final int referenceTime;
    private final int feedbackPacketCount;
    private final byte[] statuses;
    private final int[] deltas;

    private TransportCcFeedback(long senderSsrc, long mediaSsrc, int baseSequence, int referenceTime,
            int feedbackPacketCount, byte[] statuses, int[] deltas) {
        this.senderSsrc = senderSsrc;
        this.mediaSsrc = mediaSsrc;
        this.baseSequence = baseSequence;
        this.referenceTime = referenceTime;
        this.feedbackPacketCount = feedbackPacketCount;
        this.statuses = statuses;
        this.deltas = deltas;
    }

    /**
     * Builds one feedback packet for {@code packetStatusCount} consecutive transport sequence
     * numbers from {@code baseSequence}. For packet i, {@code received[i]} says whether it
     * arrived and {@code deltas[i]} is its receive delta in 250 µs ticks (ignored when not
     * received): 0..255 is sent as a small delta, anything else in -32768..32767 as a large one.
     * Statuses are packed greedily into run-length chunks (§3.1.3) for runs of 14 or more and
     * status vector chunks (§3.1.4) otherwise. The packet is padded to 32 bits the way
     * libwebrtc does it: P bit set and the last octet counting the padding (RFC 3550 §6.4.1).
     * Allocates only the returned array.
     */
    public static byte[] build(long senderSsrc, long mediaSsrc, int baseSequence, int referenceTime,
            int feedbackPacketCount, int packetStatusCount, boolean[] received, int[] deltas) {
        checkRange("base sequence", baseSequence, 0xFFFF);
        checkRange("reference time", referenceTime, MAX_REFERENCE_TIME);
        checkRange("feedback packet count", feedbackPacketCount, 0xFF);
        checkRange("packet status count", packetStatusCount, MAX_PACKET_STATUS_COUNT);
        if (received.length < packetStatusCount || deltas.length < packetStatusCount) {
            throw new IllegalArgumentException("arrays shorter than packet status count");
        }
        int deltaBytes = 0;
        for (int i = 0; i < packetStatusCount; i++) {
            if (received[i]) {
                if (deltas[i] < Short.MIN_VALUE || deltas[i] > Short.MAX_VALUE) {
                    throw new IllegalArgumentException("receive delta does not fit 16 bits: " + deltas[i]);
                }
                deltaBytes += status(received, deltas, i) == STATUS_SMALL_DELTA ? 1 : 2;
            }
        }
        int chunks = writeChunks(received, deltas, packetStatusCount, null, 0);
        int unpadded = FIXED_LENGTH + 2 * chunks + deltaBytes;
        int padding = (4 - unpadded % 4) % 4;
        int length = unpadded + padding;
        if (length / 4 - 1 > 0xFFFF) {
            throw new IllegalArgumentException("feedback too long: " + length + " bytes");
        }
        byte[] p = new byte[length];
        RtcpHeader.writeHeader(p, FMT, RtcpHeader.RTPFB, length);
        if (padding > 0) {
            p[0] |= 0x20;
            p[length - 1] = (byte) padding;
        }
        RtcpHeader.writeU32(p, 4, checkSsrc(senderSsrc));
        RtcpHeader.writeU32(p, 8, checkSsrc(mediaSsrc));
        writeU16(p, 12, baseSequence);
        writeU16(p, 14, packetStatusCount);
        p[16] = (byte) (referenceTime >>> 16);
        p[17] = (byte) (referenceTime >>> 8);
        p[18] = (byte) referenceTime;
        p[19] = (byte) feedbackPacketCount;
        writeChunks(received, deltas, packetStatusCount, p, FIXED_LENGTH);
        int at = FIXED_LENGTH + 2 * chunks;
        for (int i = 0; i < packetStatusCount; i++) {
            int s = status(received, deltas, i);
            if (s == STATUS_SMALL_DELTA) {
                p[at++] = (byte) deltas[i];
            } else if (s == STATUS_LARGE_DELTA) {
                writeU16(p, at, deltas[i]);
                at += 2;
            }
        }
        return p;
    }

    private static int status(boolean[] received, int[] deltas, int i) {
        if (!received[i]) {
            return STATUS_NOT_RECEIVED;
        }
        return deltas[i] >= 0 && deltas[i] <= 0xFF ? STATUS_SMALL_DELTA : STATUS_LARGE_DELTA;
    }

    /**
     * Greedy chunking; writes to {@code out} at {@code at} unless it is null, returns the
     * number of chunks. Every chunk but the last covers at least 7 statuses.
     */
    private static int writeChunks(boolean[] received, int[] deltas, int n, byte[] out, int at) {
        int chunks = 0;
        int i = 0;
        while (i < n) {
            int first = status(received, deltas, i);
            int run = 1;
            while (i + run < n && run < MAX_RUN_LENGTH && status(received, deltas, i + run) == first) {
                run++;
            }
            int remaining = n - i;
            int chunk;
            int covered;
            if (run == remaining || run >= ONE_BIT_SYMBOLS) {
                // §3.1.3 run length chunk: T=0 | S (2 bits) | run length (13 bits)
                chunk = (first << 13) | run;
                covered = run;
            } else if (fitsOneBit(received, deltas, i, Math.min(ONE_BIT_SYMBOLS, remaining))) {
                // §3.1.4 status vector chunk, S=0: 14 one-bit symbols (0 not received, 1 small delta)
                covered = Math.min(ONE_BIT_SYMBOLS, remaining);
                chunk = 0x8000;
                for (int k = 0; k < covered; k++) {
                    chunk |= status(received, deltas, i + k) << (13 - k);
                }
            } else if (run >= TWO_BIT_SYMBOLS) {
                chunk = (first << 13) | run;
                covered = run;
            } else {
                // §3.1.4 status vector chunk, S=1: 7 two-bit symbols
                covered = Math.min(TWO_BIT_SYMBOLS, remaining);
                chunk = 0xC000;
                for (int k = 0; k < covered; k++) {
                    chunk |= status(received, deltas, i + k) << (12 - 2 * k);
                }
            }
            if (out != null) {
                writeU16(out, at + 2 * chunks, chunk);
            }
            chunks++;
            i += covered;
        }
        return chunks;
    }

    private static boolean fitsOneBit(boolean[] received, int[] deltas, int from, int count) {
        for (int k = 0; k < count; k++) {
            if (status(received, deltas, from + k) == STATUS_LARGE_DELTA) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code buf[off..]} starts an RTPFB FMT 15 packet (header only; see {@link #parse}). */
    public static boolean isTransportCc(byte[] buf, int off, int len) {
        return len >= FIXED_LENGTH && RtcpHeader.packetType(buf, off) == RtcpHeader.RTPFB
                && RtcpHeader.countOrFmt(buf, off) == FMT;
    }

    /**
     * Parses one feedback packet in {@code buf[off .. off+len)}; null when it is not
     * transport-cc feedback or is malformed: chunks or deltas overrun the packet (padding
     * excluded), or a reserved status symbol 3 appears among the first packet status count
     * symbols. Symbols a chunk carries beyond the status count are ignored, as are trailing
     * bytes after the deltas.
     */
    public static TransportCcFeedback parse(byte[] buf, int off, int len) {
        if (buf == null || off < 0 || len < FIXED_LENGTH || off + len > buf.length
                || RtcpHeader.version(buf, off) != 2 || !isTransportCc(buf, off, len)) {
            return null;
        }
        int length = RtcpHeader.lengthInBytes(buf, off);
        if (length > len || length < FIXED_LENGTH) {
            return null;
        }
        int end = off + length;
        if (RtcpHeader.padding(buf, off)) {
            int pad = buf[end - 1] & 0xFF;
            if (pad == 0 || pad > length - FIXED_LENGTH) {
                return null;
            }
            end -= pad;
        }
        int count = readU16(buf, off + 14);
        byte[] statuses = new byte[count];
        int at = off + FIXED_LENGTH;
        int filled = 0;
        while (filled < count) {
            if (at + 2 > end) {
                return null;
            }
            int chunk = readU16(buf, at);
            at += 2;
            if ((chunk & 0x8000) == 0) {
                int symbol = (chunk >>> 13) & 0x3;
                int run = chunk & MAX_RUN_LENGTH;
                if (symbol == 3 && run > 0) {
                    return null;
                }
                for (int k = 0; k < run && filled < count; k++) {
                    statuses[filled++] = (byte) symbol;
                }
            } else if ((chunk & 0x4000) == 0) {
                for (int k = 0; k < ONE_BIT_SYMBOLS && filled < count; k++) {
                    statuses[filled++] = (byte) ((chunk >>> (13 - k)) & 0x1);
                }
            } else {
                for (int k = 0; k < TWO_BIT_SYMBOLS && filled < count; k++) {
                    int symbol = (chunk >>> (12 - 2 * k)) & 0x3;
                    if (symbol == 3) {
                        return null;
                    }
                    statuses[filled++] = (byte) symbol;
                }
            }
        }
        int[] deltas = new int[count];
        for (int i = 0; i < count; i++) {
            if (statuses[i] == STATUS_SMALL_DELTA) {
                if (at + 1 > end) {
                    return null;
                }
                deltas[i] = buf[at] & 0xFF;
                at += 1;
            } else if (statuses[i] == STATUS_LARGE_DELTA) {
                if (at + 2 > end) {
                    return null;
                }
                deltas[i] = (short) readU16(buf, at);
                at += 2;
            }
        }
        int referenceTime = ((buf[off + 16] & 0xFF) << 16) | ((buf[off + 17] & 0xFF) << 8) | (buf[off + 18] & 0xFF);
        return new TransportCcFeedback(RtcpHeader.senderSsrc(buf, off), RtcpHeader.mediaSsrc(buf, off),
                readU16(buf, off + 12), referenceTime, buf[off + 19] & 0xFF, statuses, deltas);
    }

    /** Re-encodes this feedback with {@link #build}. */
    public byte[] marshal() {
        boolean[] received = new boolean[statuses.length];
        for (int i = 0; i < statuses.length; i++) {
            received[i] = statuses[i] != STATUS_NOT_RECEIVED;
        }
        return build(senderSsrc, mediaSsrc, baseSequence, referenceTime, feedbackPacketCount, statuses.length,
                received, deltas);
    }

    public long senderSsrc() {
        return senderSsrc;
    }

    public long mediaSsrc() {
        return mediaSsrc;
    }

    public int baseSequence() {
        return baseSequence;
    }

    public int packetStatusCount() {
        return statuses.length;
    }

    /** 24-bit reference time in 64 ms units. */
    public int referenceTime() {
        return referenceTime;
    }

    public int feedbackPacketCount() {
        return feedbackPacketCount;
    }

    /** Transport sequence number of the i-th packet, modulo 2^16. */
    public int sequenceNumber(int i) {
        return (baseSequence + i) & 0xFFFF;
    }

    /** Status symbol of the i-th packet: {@link #STATUS_NOT_RECEIVED}, {@link #STATUS_SMALL_DELTA} or {@link #STATUS_LARGE_DELTA}. */
    public int status(int i) {
        return statuses[i];
    }

    public boolean received(int i) {
        return statuses[i] != STATUS_NOT_RECEIVED;
    }

    /** Receive delta of the i-th packet in 250 µs ticks; 0 when it was not received. */
    public int delta(int i) {
        return deltas[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TransportCcFeedback f && senderSsrc == f.senderSsrc && mediaSsrc == f.mediaSsrc
                && baseSequence == f.baseSequence && referenceTime == f.referenceTime
                && feedbackPacketCount == f.feedbackPacketCount && Arrays.equals(statuses, f.statuses)
                && Arrays.equals(deltas, f.deltas);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Long.hashCode(mediaSsrc) + baseSequence) + Arrays.hashCode(deltas);
    }

    @Override
    public String toString() {
        return "TransportCcFeedback{sender=" + senderSsrc + ", media=" + mediaSsrc + ", base=" + baseSequence
                + ", count=" + statuses.length + ", referenceTime=" + referenceTime + ", fbCount="
                + feedbackPacketCount + ", statuses=" + Arrays.toString(statuses) + ", deltas="
                + Arrays.toString(deltas) + "}";
    }

    static int readU16(byte[] buf, int at) {
        return ((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF);
    }

    static void writeU16(byte[] buf, int at, int v) {
        buf[at] = (byte) (v >>> 8);
        buf[at + 1] = (byte) v;
    }

    private static void checkRange(String what, int v, int max) {
        if (v < 0 || v > max) {
            throw new IllegalArgumentException(what + " out of range: " + v);
        }
    }

    static long checkSsrc(long ssrc) {
        if (ssrc < 0 || ssrc > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("SSRC out of range: " + ssrc);
        }
        return ssrc;
    }
}
