package io.kfrelay.cli;

import io.netty.util.internal.PlatformDependent;

import java.util.Locale;

/**
 * How Netty reaches direct memory ({@code serve --buffer-memory}). Netty 4.2 decides once, when its
 * {@code PlatformDependent} class initializes, from the {@code io.netty.noUnsafe} system property, so {@link #apply()}
 * must run before anything touches Netty. On JDK 25 with the launcher's flags:
 * <ul>
 *   <li>{@code unsafe}: {@code sun.misc.Unsafe} accessors ({@code PooledUnsafeDirectByteBuf}), buffers freed through
 *       Unsafe's cleaner (Netty's {@code CleanerJava9});</li>
 *   <li>{@code memory-segment}: no Unsafe; direct memory from {@code malloc}/{@code free} linked through the FFM
 *       {@code Linker} and wrapped as {@code MemorySegment} views ({@code CleanerJava24Linker}), accessed through
 *       {@code ByteBuffer} ({@code PooledDirectByteBuf}). Without native access Netty would use shared
 *       {@code Arena}s ({@code CleanerJava25}), but the native transports need native access anyway.</li>
 * </ul>
 */
enum BufferMemory {
    UNSAFE,
    MEMORY_SEGMENT;

    static final String PROPERTY = "io.netty.noUnsafe";

    /**
     * Sets Netty's property and initializes Netty's platform layer with it; returns null when Netty now runs this
     * way, else why not (Netty was initialized before, or the JVM refuses Unsafe).
     */
    String apply() {
        System.setProperty(PROPERTY, Boolean.toString(this == MEMORY_SEGMENT));
        boolean unsafe = PlatformDependent.hasUnsafe(); // the first call decides, for the life of the JVM
        if (unsafe == (this == UNSAFE)) {
            return null;
        }
        return "buffer-memory " + label() + " did not take effect: Netty runs "
                + (unsafe ? "on sun.misc.Unsafe (it was initialized before the option was applied)"
                : "without sun.misc.Unsafe (" + PlatformDependent.getUnsafeUnavailabilityCause().getMessage()
                + "; the JVM needs --sun-misc-unsafe-memory-access=allow, which ./kfrelay passes)");
    }

    /** What Netty runs on in this JVM. */
    static BufferMemory current() {
        return PlatformDependent.hasUnsafe() ? UNSAFE : MEMORY_SEGMENT;
    }

    String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** {@code unsafe} or {@code memory-segment}, any case. */
    static BufferMemory parse(String value) {
        for (BufferMemory m : values()) {
            if (m.label().equalsIgnoreCase(value.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("buffer-memory must be unsafe or memory-segment, not '" + value + "'");
    }
}
