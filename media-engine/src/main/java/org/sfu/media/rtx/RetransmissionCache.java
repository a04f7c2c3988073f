package org.sfu.media.rtx;

import java.util.Arrays;
import java.util.Objects;

/**
 * The recently sent packets of one outgoing RTP stream, kept so that a generic NACK (RFC 4585
 * §6.2.1) can be answered with a retransmission (RFC 4588 §4, built with {@link RtxPacket}).
 *
 * <p>A ring of slots indexed by the low bits of the 16-bit sequence number. Each slot owns a
 * copy buffer, the copied length, the sequence number it holds and the time it was stored. A
 * slot's buffer is allocated when the slot is first used, so a stream that never sends costs no
 * packet memory (a hostile offer with dozens of video sections must not reserve 0.75 MiB for
 * each). The ring starts with {@link #INITIAL_SLOTS} and doubles, up to the maximum, only when a
 * packet would overwrite one still younger than {@code maxAgeNanos}: so it holds about what the
 * stream sends in that time, and its memory follows the stream's packet rate (a 300 kbit/s
 * stream keeps 32 slots, 48 KiB, not the 0.75 MiB a 4 Mbit/s one needs). Once the ring has
 * stopped growing and every slot has been used, {@link #put} allocates nothing. A packet is found
 * again only while its slot still holds it and it is younger than {@code maxAgeNanos}; older
 * packets are useless to the receiver's jitter buffer anyway.
 *
 * <p>Threading: one writer (the thread sending the stream) and any number of readers (the
 * threads that handle NACKs from receivers). Every access to the slots holds one lock; the
 * critical sections are one array copy of at most a slot's capacity, and reads come only with
 * NACKs, so contention is negligible and a plain monitor is simpler to trust than a seqlock.
 */
public final class RetransmissionCache {
    /** The most slots by default: about a second of video at 4 Mbit/s of 1200-byte packets. */
    public static final int DEFAULT_SLOTS = 512;
    /** Slots a ring starts with: a second of a low-rate video stream. */
    public static final int INITIAL_SLOTS = 32;
    /** A packet that fits a typical path MTU; larger packets are not kept. */
    public static final int DEFAULT_SLOT_CAPACITY = 1500;
    /** Retransmissions older than this arrive after the receiver has given up on the frame. */
    public static final long DEFAULT_MAX_AGE_NANOS = 1_000_000_000L;

    private final Object lock = new Object();
    // The ring, guarded by lock; replaced by larger arrays when it grows.
    private byte[][] data;
    private int[] lengths;
    /** The 16-bit sequence number in the slot, or -1 while it is empty. */
    private int[] sequences;
    private long[] storedAt;
    private int mask;
    private final int maxSlots;
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
     * @param slots the most slots the ring grows to: a power of two from 1 to 65536, so that the
     *     16-bit sequence space maps onto the ring evenly across its wrap from 65535 to 0
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
        int initial = Math.min(slots, INITIAL_SLOTS);
        // Rows are allocated on first use (see put).
        this.data = new byte[initial][];
        this.slotCapacity = slotCapacity;
        this.lengths = new int[initial];
        this.sequences = new int[initial];
        this.storedAt = new long[initial];
        this.mask = initial - 1;
        this.maxSlots = slots;
        this.maxAgeNanos = maxAgeNanos;
        Arrays.fill(sequences, -1);
    }

    /**
     * Doubles the ring, keeping every packet it holds (each moves to the slot its sequence number
     * picks in the larger ring) and every buffer already allocated. Under lock.
     */
    private void grow() {
        int size = sequences.length * 2;
        byte[][] newData = new byte[size][];
        int[] newLengths = new int[size];
        int[] newSequences = new int[size];
        long[] newStoredAt = new long[size];
        Arrays.fill(newSequences, -1);
        int newMask = size - 1;
        for (int i = 0; i < sequences.length; i++) {
            // Old slot i maps to new slot i or i + old size: a packet goes where its sequence number
            // says; a buffer without a packet stays at i.
            int to = sequences[i] < 0 ? i : sequences[i] & newMask;
            newData[to] = data[i];
            newLengths[to] = lengths[i];
            newSequences[to] = sequences[i];
            newStoredAt[to] = storedAt[i];
        }
        data = newData;
        lengths = newLengths;
        sequences = newSequences;
        storedAt = newStoredAt;
        mask = newMask;
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
        synchronized (lock) {
            int slot = seq & mask;
            // A packet young enough to be asked for would be overwritten: the ring holds less than
            // maxAge of this stream, so it grows (subtraction: nanoTime may be negative or wrap).
            while (sequences.length < maxSlots && sequences[slot] >= 0 && sequences[slot] != seq
                    && nowNanos - storedAt[slot] <= maxAgeNanos) {
                grow();
                slot = seq & mask;
            }
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
        synchronized (lock) {
            int slot = seq & mask;
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
