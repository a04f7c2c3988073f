package org.sfu.loadgen;

/**
 * What every synthetic RTP packet carries at the very end of its payload, so that a receiver can attribute and time
 * it without knowing the codec's payload format (the VP8 descriptor in front is the server's business):
 *
 * <pre>
 * | magic 'L' 'G' | kind (0 audio, 1 video) | reserved | sender index (32) | sequence (32) | send time (64, ns) |
 * </pre>
 *
 * The sequence counts the stream's packets from 0 and never wraps in a run, unlike the RTP sequence number; the send
 * time is {@link System#nanoTime()} just before the packet is protected, which is comparable at the receiver because
 * sender and receiver are the same process.
 */
public final class ProbePayload {
    public static final int LENGTH = 20;
    public static final int AUDIO = 0;
    public static final int VIDEO = 1;
    private static final byte MAGIC_0 = 'L';
    private static final byte MAGIC_1 = 'G';

    private ProbePayload() {
    }

    /** Writes the probe into {@code buf[end - LENGTH, end)}. */
    public static void write(byte[] buf, int end, int kind, int senderIndex, int sequence, long sendNanos) {
        int p = end - LENGTH;
        buf[p] = MAGIC_0;
        buf[p + 1] = MAGIC_1;
        buf[p + 2] = (byte) kind;
        buf[p + 3] = 0;
        writeInt(buf, p + 4, senderIndex);
        writeInt(buf, p + 8, sequence);
        writeInt(buf, p + 12, (int) (sendNanos >>> 32));
        writeInt(buf, p + 16, (int) sendNanos);
    }

    /** Whether a probe ends at {@code end} (and starts no earlier than {@code payloadStart}). */
    public static boolean isPresent(byte[] buf, int payloadStart, int end) {
        int p = end - LENGTH;
        return p >= payloadStart && buf[p] == MAGIC_0 && buf[p + 1] == MAGIC_1 && (buf[p + 2] == AUDIO
                || buf[p + 2] == VIDEO);
    }

    public static int kind(byte[] buf, int end) {
        return buf[end - LENGTH + 2];
    }

    public static int senderIndex(byte[] buf, int end) {
        return readInt(buf, end - LENGTH + 4);
    }

    public static int sequence(byte[] buf, int end) {
        return readInt(buf, end - LENGTH + 8);
    }

    public static long sendNanos(byte[] buf, int end) {
        return ((long) readInt(buf, end - LENGTH + 12) << 32) | (readInt(buf, end - LENGTH + 16) & 0xFFFF_FFFFL);
    }

    public static String kindName(int kind) {
        return kind == AUDIO ? "audio" : "video";
    }

    private static void writeInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static int readInt(byte[] b, int at) {
        return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }
}
