package io.kfrelay.cli;

import io.kfrelay.server.ServerConfig;
import io.kfrelay.transport.AllocatorKind;
import io.kfrelay.transport.ws.WsFramingKind;
import picocli.CommandLine.Option;

/** {@code serve}'s buffer and egress-write options (a picocli mixin); the runs behind the defaults are in docs/PERFORMANCE.md. */
final class BufferOptions {

    @Option(names = "--allocator", paramLabel = "KIND", defaultValue = "adaptive", converter = Converters.Allocator.class,
            description = "Netty buffer allocator of the WebSocket connections: adaptive (Netty 4.2's own default, "
                    + "measured cheapest here: packets are freed on other threads than they were allocated on), pooled "
                    + "(per-thread caches) or unpooled.")
    AllocatorKind allocator;

    @Option(names = "--buffer-memory", paramLabel = "KIND", defaultValue = "unsafe", converter = Converters.Memory.class,
            description = "How Netty reaches direct memory, for the whole process: unsafe (sun.misc.Unsafe) or "
                    + "memory-segment (no Unsafe: malloc/free through the FFM linker, MemorySegment-backed buffers).")
    BufferMemory bufferMemory;

    @Option(names = "--ws-framing", paramLabel = "KIND", defaultValue = "headers", converter = Converters.Framing.class,
            description = "WebSocket egress framing: headers (the relay writes each frame header, one pooled slab "
                    + "per drain) or frames (a Netty frame object and encoder pass per message).")
    WsFramingKind wsFraming;

    /** Puts the allocator and framing into {@code b}. */
    ServerConfig.Builder applyTo(ServerConfig.Builder b) {
        return b.allocator(allocator).wsFraming(wsFraming);
    }
}
