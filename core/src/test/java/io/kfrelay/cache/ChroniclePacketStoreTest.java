package io.kfrelay.cache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The off-heap store: whole packets in, the same packets out, exact accounting. */
class ChroniclePacketStoreTest {

    private static ByteBuf buffer(boolean direct, int size) {
        return direct ? PooledByteBufAllocator.DEFAULT.directBuffer(size) : Unpooled.buffer(size);
    }

    @ParameterizedTest(name = "direct buffers: {0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("packets come back byte for byte and in order, from direct (raw address) and heap (scratch) buffers")
    void roundTrip(boolean direct) {
        try (ChroniclePacketStore store = new ChroniclePacketStore(1 << 20)) {
            int[] sizes = {1, 20, 1200, 64_000, 7};
            byte[][] written = new byte[sizes.length][];
            ByteBuf src = buffer(direct, 70_000);
            for (int p = 0; p < sizes.length; p++) {
                src.clear();
                src.writerIndex(100); // packets need not start at index 0
                for (int i = 0; i < sizes[p]; i++) {
                    src.writeByte(p * 13 + i);
                }
                written[p] = ByteBufUtil.getBytes(src, 100, sizes[p]);
                store.append(src, 100, sizes[p]);
            }
            src.release();
            assertEquals(sizes.length, store.packetCount());
            assertEquals(1 + 20 + 1200 + 64_000 + 7, store.bytes());
            assertTrue(store.capacity() >= store.bytes());

            ByteBuf dst = buffer(direct, 10);
            int[] lengths = new int[sizes.length + 2];
            assertEquals(sizes.length, store.copyTo(dst, lengths, 2));
            int at = 0;
            for (int p = 0; p < sizes.length; p++) {
                assertEquals(sizes[p], lengths[p + 2]);
                assertArrayEquals(written[p], ByteBufUtil.getBytes(dst, at, sizes[p]), "packet " + p);
                at += sizes[p];
            }
            dst.release();
        }
    }

    @ParameterizedTest(name = "direct buffers: {0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("clear forgets the packets but keeps the memory for reuse")
    void clearKeepsCapacity(boolean direct) {
        try (ChroniclePacketStore store = new ChroniclePacketStore(1 << 20)) {
            ByteBuf src = buffer(direct, 50_000).writeZero(50_000);
            store.append(src, 0, 50_000);
            long capacity = store.capacity();
            store.clear();
            assertEquals(0, store.packetCount());
            assertEquals(0, store.bytes());
            assertEquals(capacity, store.capacity());
            store.append(src, 0, 50_000);
            assertEquals(capacity, store.capacity(), "no new reservation for the same size");
            src.release();
        }
    }
}
