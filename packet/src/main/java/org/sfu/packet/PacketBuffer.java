package org.sfu.packet;

import java.util.Objects;

import org.jitsi.utils.ByteArrayBuffer;

/**
 * A packet's bytes inside a larger array, so that SRTP can transform it in place: {@link #offset()} leaves
 * headroom in front, and the room behind {@link #length()} takes the SRTP authentication tag and SRTCP index
 * (RFC 3711 §3.1, §3.4). {@link #grow(int)} reallocates when that room is not enough, keeping the headroom.
 *
 * <p>Not thread-safe: a packet is owned by one thread at a time.
 */
public final class PacketBuffer implements ByteArrayBuffer {
    /**
     * Room kept behind a copied packet: SRTCP index (4) + the largest tag (16, GCM), rounded up so a
     * protect never reallocates.
     */
    public static final int TRAILER_ROOM = 32;

    private byte[] buffer;
    private int offset;
    private int length;

    /** An empty packet (length 0) at offset 0 in a new array of {@code capacity} bytes. */
    public PacketBuffer(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.buffer = new byte[capacity];
    }

    /** Wraps an existing array without copying. */
    public PacketBuffer(byte[] buffer, int offset, int length) {
        this.buffer = Objects.requireNonNull(buffer, "buffer");
        setOffsetLength(offset, length);
    }

    /** Copies {@code length} bytes into a new buffer with {@link #TRAILER_ROOM} free bytes behind them. */
    public static PacketBuffer copyOf(byte[] buf, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, buf.length);
        byte[] copy = new byte[length + TRAILER_ROOM];
        System.arraycopy(buf, offset, copy, 0, length);
        return new PacketBuffer(copy, 0, length);
    }

    /**
     * Makes this buffer hold a copy of {@code length} bytes at offset 0, with at least {@link #TRAILER_ROOM} free
     * bytes behind them, reusing its array when it is large enough: a buffer kept by one thread and refilled per
     * packet allocates nothing once it has seen the largest packet.
     */
    public PacketBuffer copyFrom(byte[] buf, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, buf.length);
        if (buffer.length < length + TRAILER_ROOM) {
            buffer = new byte[length + TRAILER_ROOM];
        }
        System.arraycopy(buf, offset, buffer, 0, length);
        this.offset = 0;
        this.length = length;
        return this;
    }

    public byte[] buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }

    /** Free bytes behind the packet. */
    public int tailroom() {
        return buffer.length - offset - length;
    }

    /** A copy of exactly the packet's bytes. */
    public byte[] toByteArray() {
        byte[] out = new byte[length];
        System.arraycopy(buffer, offset, out, 0, length);
        return out;
    }

    public void setOffsetLength(int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > buffer.length) {
            throw new IllegalArgumentException("offset " + offset + " length " + length + " capacity " + buffer.length);
        }
        this.offset = offset;
        this.length = length;
    }

    @Override
    public byte[] getBuffer() {
        return buffer;
    }

    @Override
    public int getOffset() {
        return offset;
    }

    @Override
    public int getLength() {
        return length;
    }

    @Override
    public void setLength(int length) {
        setOffsetLength(offset, length);
    }

    @Override
    public void setOffset(int offset) {
        setOffsetLength(offset, length);
    }

    @Override
    public boolean isInvalid() {
        return false;
    }

    @Override
    public void readRegionToBuff(int off, int len, byte[] outBuff) {
        if (off < 0 || len <= 0 || off + len > length || outBuff.length < len) {
            return;
        }
        System.arraycopy(buffer, offset + off, outBuff, 0, len);
    }

    /** Makes sure {@code howMuch} more bytes fit behind the packet; the length does not change. */
    @Override
    public void grow(int howMuch) {
        if (howMuch < 0) {
            throw new IllegalArgumentException("howMuch " + howMuch);
        }
        if (tailroom() >= howMuch) {
            return;
        }
        byte[] bigger = new byte[offset + length + howMuch + TRAILER_ROOM];
        System.arraycopy(buffer, offset, bigger, offset, length);
        buffer = bigger;
    }

    @Override
    public void append(byte[] data, int len) {
        if (data == null || len <= 0) {
            return;
        }
        grow(len);
        System.arraycopy(data, 0, buffer, offset + length, len);
        length += len;
    }

    @Override
    public void shrink(int len) {
        if (len <= 0) {
            return;
        }
        length = Math.max(0, length - len);
    }
}
