package io.kfrelay.transport;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.util.Locale;

/**
 * Which Netty buffer allocator the relay's channels use ({@code serve --allocator}). Each kind is one shared
 * instance for the whole process: a pool per server would only split the thread caches.
 */
public enum AllocatorKind {
    /** jemalloc-style arenas with per-thread caches ({@link PooledByteBufAllocator#DEFAULT}). */
    POOLED,
    /** Netty 4.2's default: size-class magazines shared between threads ({@link AdaptiveByteBufAllocator}). */
    ADAPTIVE,
    /** A fresh buffer per allocation, freed on release ({@link UnpooledByteBufAllocator#DEFAULT}). */
    UNPOOLED;

    /** The shared allocator of this kind. */
    public ByteBufAllocator instance() {
        return switch (this) {
            case POOLED -> PooledByteBufAllocator.DEFAULT;
            case ADAPTIVE -> Adaptive.INSTANCE;
            case UNPOOLED -> UnpooledByteBufAllocator.DEFAULT;
        };
    }

    /** Lower-case name, as the option spells it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code pooled}, {@code adaptive} or {@code unpooled}, any case. */
    public static AllocatorKind parse(String value) {
        for (AllocatorKind k : values()) {
            if (k.label().equalsIgnoreCase(value.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("allocator must be pooled, adaptive or unpooled, not '" + value + "'");
    }

    /** Netty's own default instance when that is adaptive (4.2's default), so the process has one adaptive pool. */
    private static final class Adaptive {
        static final ByteBufAllocator INSTANCE = ByteBufAllocator.DEFAULT instanceof AdaptiveByteBufAllocator a
                ? a : new AdaptiveByteBufAllocator();
    }
}
