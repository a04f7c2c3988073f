package org.sfu.packet;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A map from a 32-bit SSRC (RFC 3550 §8) to a value, without boxing the key: a lookup per packet allocates nothing,
 * unlike a {@code Map<Integer, V>} or {@code Map<Long, V>} whose keys outside the small-integer cache are new objects.
 * Open addressing with linear probing over a power-of-two array kept at most half full; entries are never removed one
 * by one (a context or producer lives as long as its session), only all at once with {@link #clear()}.
 *
 * <p>Not thread-safe: the owner guards it, or builds it once and publishes it through a volatile field and never
 * changes it afterwards.
 */
public final class SsrcTable<V> {
    private int[] keys;
    private Object[] values;
    private int size;

    public SsrcTable() {
        this(8);
    }

    /** Room for {@code expected} entries before the first growth. */
    public SsrcTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected) * 2 - 1) << 1;
        keys = new int[capacity];
        values = new Object[capacity];
    }

    /** The value for the SSRC (its low 32 bits), or null. */
    @SuppressWarnings("unchecked")
    public V get(long ssrc) {
        int key = (int) ssrc;
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null) {
                return null;
            }
            if (keys[i] == key) {
                return (V) v;
            }
        }
    }

    /** Sets the value for the SSRC (its low 32 bits), replacing any; {@code value} must not be null. */
    public void put(long ssrc, V value) {
        if (value == null) {
            throw new IllegalArgumentException("null value");
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        insert((int) ssrc, value);
    }

    public int size() {
        return size;
    }

    /** Every value once per key it is stored under. */
    @SuppressWarnings("unchecked")
    public void forEachValue(Consumer<? super V> action) {
        for (Object v : values) {
            if (v != null) {
                action.accept((V) v);
            }
        }
    }

    public void clear() {
        Arrays.fill(values, null);
        size = 0;
    }

    private void insert(int key, Object value) {
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            if (values[i] == null) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
        }
    }

    private void grow() {
        int[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        values = new Object[oldValues.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                insert(oldKeys[i], oldValues[i]);
            }
        }
    }

    /** SSRCs are random (RFC 3550 §8.1), but spread the bits anyway so that chosen ones do not cluster. */
    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
