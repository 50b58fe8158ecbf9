package io.kfrelay.metrics;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fixed set of long counters indexed by an enum, Agrona-style: no allocation on increment, readable from
 * any thread. {@link #increment} / {@link #add} are single-writer (one owning thread, opaque stores: cheap
 * on the hot path); {@link #incrementShared} / {@link #addShared} are safe from many threads.
 * Never mix both styles on the same slot.
 */
public final class EnumCounters<E extends Enum<E>> {
    private final E[] keys;
    private final AtomicLongArray values;

    public EnumCounters(Class<E> type) {
        this.keys = type.getEnumConstants();
        this.values = new AtomicLongArray(keys.length);
    }

    /** Single-writer increment. */
    public void increment(E key) {
        add(key, 1);
    }

    /** Single-writer add (negative for gauges going down). */
    public void add(E key, long delta) {
        int i = key.ordinal();
        values.setOpaque(i, values.getPlain(i) + delta);
    }

    /** Multi-writer increment. */
    public void incrementShared(E key) {
        values.getAndIncrement(key.ordinal());
    }

    /** Multi-writer add. */
    public void addShared(E key, long delta) {
        values.getAndAdd(key.ordinal(), delta);
    }

    public long get(E key) {
        return values.getOpaque(key.ordinal());
    }

    public E[] keys() {
        return keys.clone();
    }
}
