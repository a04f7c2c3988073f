package org.sfu.media.rtx;

import java.util.Arrays;
import java.util.Objects;

/**
 * The recently sent packets of one outgoing RTP stream, kept so that a generic NACK (RFC 4585
 * §6.2.1) can be answered with a retransmission (RFC 4588 §4, built with {@link RtxPacket}).
 *
 * <p>A fixed ring of slots indexed by the low bits of the 16-bit sequence number. Each slot owns
 * a copy buffer, the copied length, the sequence number it holds and the time it was stored. A
 * slot's buffer is allocated when the slot is first used, so a stream that never sends costs no
 * packet memory (a hostile offer with dozens of video sections must not reserve 0.75 MiB for
 * each), and once every slot has been used {@link #put} allocates nothing. A packet is found
 * again only while its slot
 * still holds it (not overwritten by the sequence number {@code slots} later) and it is younger
 * than {@code maxAgeNanos}; older packets are useless to the receiver's jitter buffer anyway.
 *
 * <p>Threading: one writer (the thread sending the stream) and any number of readers (the
 * threads that handle NACKs from receivers). Every access to the slots holds one lock; the
 * critical sections are one array copy of at most a slot's capacity, and reads come only with
 * NACKs, so contention is negligible and a plain monitor is simpler to trust than a seqlock.
 */
public final class RetransmissionCache {
    /** About a second of video at 4 Mbit/s of 1200-byte packets. */
    public static final int DEFAULT_SLOTS = 512;
    /** A packet that fits a typical path MTU; larger packets are not kept. */
    public static final int DEFAULT_SLOT_CAPACITY = 1500;
    /** Retransmissions older than this arrive after the receiver has given up on the frame. */
    public static final long DEFAULT_MAX_AGE_NANOS = 1_000_000_000L;

    private final Object lock = new Object();
    private final byte[][] data;
    private final int[] lengths;
    /** The 16-bit sequence number in the slot, or -1 while it is empty. */
    private final int[] sequences;
    private final long[] storedAt;
    private final int mask;
    private final int slotCapacity;
    private final long maxAgeNanos;

    // Counters, guarded by lock.
    private long stored;
    private long oversizeDropped;
    private long hits;
    private long misses;
    private long expired;
    private int slotsAllocated;

    public RetransmissionCache() {
        this(DEFAULT_SLOTS, DEFAULT_SLOT_CAPACITY, DEFAULT_MAX_AGE_NANOS);
    }

    /**
     * @param slots a power of two from 1 to 65536, so that the 16-bit sequence space maps onto
     *     the ring evenly across its wrap from 65535 to 0
     * @param slotCapacity the largest packet kept
     * @param maxAgeNanos how long a packet can be retransmitted after {@link #put}
     */
    public RetransmissionCache(int slots, int slotCapacity, long maxAgeNanos) {
        if (slots < 1 || slots > 0x10000 || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two up to 65536: " + slots);
        }
        if (slotCapacity < 1) {
            throw new IllegalArgumentException("slot capacity " + slotCapacity);
        }
        if (maxAgeNanos <= 0) {
            throw new IllegalArgumentException("max age " + maxAgeNanos);
        }
        // Rows are allocated on first use (see put).
        this.data = new byte[slots][];
        this.slotCapacity = slotCapacity;
        this.lengths = new int[slots];
        this.sequences = new int[slots];
        this.storedAt = new long[slots];
        this.mask = slots - 1;
        this.maxAgeNanos = maxAgeNanos;
        Arrays.fill(sequences, -1);
    }

    /**
     * Keeps a copy of the packet {@code buf[off .. off+len)} sent with sequence number
     * {@code seq}, replacing whatever its slot held. A packet longer than the slot capacity is
     * not kept (counted in {@link #oversizeDropped()}) and the slot is emptied, so a NACK for it
     * is a miss rather than an older packet.
     */
    public void put(byte[] buf, int off, int len, int seq, long nowNanos) {
        if (seq < 0 || seq > 0xFFFF) {
            throw new IllegalArgumentException("sequence number out of range: " + seq);
        }
        Objects.checkFromIndexSize(off, len, buf.length);
        int slot = seq & mask;
        synchronized (lock) {
            if (len > slotCapacity) {
                sequences[slot] = -1;
                oversizeDropped++;
                return;
            }
            if (data[slot] == null) {
                data[slot] = new byte[slotCapacity];
                slotsAllocated++;
            }
            System.arraycopy(buf, off, data[slot], 0, len);
            lengths[slot] = len;
            sequences[slot] = seq;
            storedAt[slot] = nowNanos;
            stored++;
        }
    }

    /**
     * Copies the packet sent with sequence number {@code seq} into {@code out} at {@code outOff}
     * and returns its length, or -1 when it was never stored, has been overwritten by a later
     * packet, or is older than the maximum age (the receiver asked too late).
     *
     * @throws IndexOutOfBoundsException if {@code out} has no room for the packet
     */
    public int get(int seq, byte[] out, int outOff, long nowNanos) {
        if (seq < 0 || seq > 0xFFFF) {
            return -1;
        }
        int slot = seq & mask;
        synchronized (lock) {
            if (sequences[slot] != seq) {
                misses++;
                return -1;
            }
            // Subtraction, not comparison: System.nanoTime() may be negative or wrap.
            if (nowNanos - storedAt[slot] > maxAgeNanos) {
                expired++;
                return -1;
            }
            int len = lengths[slot];
            System.arraycopy(data[slot], 0, out, outOff, len);
            hits++;
            return len;
        }
    }

    /** Empties every slot, e.g. when the stream's sequence numbering restarts. */
    public void clear() {
        synchronized (lock) {
            Arrays.fill(sequences, -1);
        }
    }

    /** Bytes of packet buffers allocated so far: slots used at least once, times the slot capacity. */
    public long bytesAllocated() {
        synchronized (lock) {
            return (long) slotsAllocated * slotCapacity;
        }
    }

    /** Packets copied in by {@link #put}. */
    public long stored() {
        synchronized (lock) {
            return stored;
        }
    }

    /** Packets not kept because they were longer than a slot. */
    public long oversizeDropped() {
        synchronized (lock) {
            return oversizeDropped;
        }
    }

    /** Lookups answered with a packet. */
    public long hits() {
        synchronized (lock) {
            return hits;
        }
    }

    /** Lookups for a packet never stored or already overwritten. */
    public long misses() {
        synchronized (lock) {
            return misses;
        }
    }

    /** Lookups for a packet still in its slot but older than the maximum age. */
    public long expired() {
        synchronized (lock) {
            return expired;
        }
    }
}
