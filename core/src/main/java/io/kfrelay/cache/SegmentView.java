package io.kfrelay.cache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import io.netty.util.internal.PlatformDependent;

import java.nio.ByteBuffer;

/**
 * A Netty buffer over a {@link CacheSegment}'s memory that keeps the segment's {@link PacketRun} alive: made with
 * one run reference, it gives it back when its own count reaches zero. A replay slices packets out of it, a
 * transport writes those slices (each holds the view), so the cached bytes go to the socket without a copy and
 * the memory is freed only after the last write that needs it.
 */
final class SegmentView {
    private SegmentView() {
    }

    /** Takes one reference of {@code owner} (retain it first); the view's release returns it. */
    static ByteBuf of(ByteBuffer memory, int capacity, PacketRun owner) {
        // As Unpooled.wrappedBuffer does: the Unsafe flavour has a memory address, which native transports use.
        return PlatformDependent.hasUnsafe()
                ? new UnsafeView(memory, capacity, owner)
                : new PlainView(memory, capacity, owner);
    }

    private static final class UnsafeView extends UnpooledUnsafeDirectByteBuf {
        private final PacketRun owner;

        UnsafeView(ByteBuffer memory, int capacity, PacketRun owner) {
            super(UnpooledByteBufAllocator.DEFAULT, memory, capacity);
            this.owner = owner;
        }

        @Override
        protected void deallocate() {
            super.deallocate(); // never frees the memory: it was handed in, not allocated here
            owner.release();
        }
    }

    private static final class PlainView extends UnpooledDirectByteBuf {
        private final PacketRun owner;

        PlainView(ByteBuffer memory, int capacity, PacketRun owner) {
            super(UnpooledByteBufAllocator.DEFAULT, memory, capacity);
            this.owner = owner;
        }

        @Override
        protected void deallocate() {
            super.deallocate();
            owner.release();
        }
    }
}
