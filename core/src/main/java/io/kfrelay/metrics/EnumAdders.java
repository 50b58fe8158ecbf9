package io.kfrelay.metrics;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Long counters indexed by an enum, each a {@link LongAdder}: for counters that many threads bump at once (every
 * event loop, the security gate), where {@link EnumCounters}' one shared array would have them contend on the
 * same cache lines. Increments never allocate once the adders have grown their cells.
 */
public final class EnumAdders<E extends Enum<E>> {
    private final E[] keys;
    private final LongAdder[] adders;

    public EnumAdders(Class<E> type) {
        keys = type.getEnumConstants();
        adders = new LongAdder[keys.length];
        for (int i = 0; i < adders.length; i++) {
            adders[i] = new LongAdder();
        }
    }

    public void increment(E key) {
        adders[key.ordinal()].increment();
    }

    public void add(E key, long n) {
        adders[key.ordinal()].add(n);
    }

    public long get(E key) {
        return adders[key.ordinal()].sum();
    }

    /** Puts every counter into {@code out} as {@code prefix} + its lower-case name, in declaration order. */
    public void putAll(String prefix, Map<String, Long> out) {
        for (E k : keys) {
            out.put(prefix + k.name().toLowerCase(Locale.ROOT), get(k));
        }
    }
}
