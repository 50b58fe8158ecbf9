package io.kfrelay.cache;

import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs of cached packets over off-heap segments: whole packets in, the same packets out (REPLAY set), across
 * segment boundaries; shared with readers by reference count and freed by the last one; every byte charged to
 * the budget and given back.
 */
class PacketRunTest {
    private static final int SEGMENT = 4096;

    private static ByteBuf packet(boolean direct, int index, int length) {
        ByteBuf b = direct ? PooledByteBufAllocator.DEFAULT.directBuffer(length + 100) : Unpooled.buffer(length + 100);
        b.writerIndex(100); // packets need not start at index 0
        MediaHeader.write(b, Protocol.FLAG_KEYFRAME, Protocol.KIND_VIDEO, 1, 1, index, 0);
        for (int i = MediaHeader.LENGTH; i < length; i++) {
            b.writeByte(index * 13 + i);
        }
        b.readerIndex(100);
        return b;
    }

    private static byte[] expected(ByteBuf packet) {
        byte[] bytes = ByteBufUtil.getBytes(packet);
        bytes[MediaHeader.FLAGS_OFFSET] |= Protocol.FLAG_REPLAY;
        return bytes;
    }

    @ParameterizedTest(name = "direct sources: {0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("packets come back byte for byte, in order and REPLAY-stamped, across segments and from big packets")
    void roundTrip(boolean direct) {
        CacheBudget budget = new CacheBudget(CacheBudget.MIN_BYTES);
        SegmentAllocator segments = new SegmentAllocator(budget, SEGMENT);
        PacketRun run = new PacketRun(segments);
        int[] sizes = {20, 1200, 3000, 20, 9000, 1200, 4092 - 4, 33};
        List<byte[]> written = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            ByteBuf p = packet(direct, i, sizes[i]);
            assertTrue(run.append(p, p.readerIndex(), p.readableBytes()));
            written.add(expected(p));
            p.release();
        }
        assertEquals(sizes.length, run.packetCount());
        assertEquals(java.util.Arrays.stream(sizes).sum(), run.bytes());
        assertTrue(run.capacity() >= run.bytes() + 4L * sizes.length, "record headers are held too");
        assertEquals(run.capacity(), budget.reserved(), "every segment is charged");

        try (RunSlice slice = run.slice()) {
            List<byte[]> read = CacheReplay.read(slice);
            assertEquals(sizes.length, read.size());
            for (int i = 0; i < sizes.length; i++) {
                assertArrayEquals(written.get(i), read.get(i), "packet " + i);
            }
            assertNull(slice.next(), "a slice ends where it was taken");
        }
        run.releaseFromCache();
        segments.close();
        assertEquals(0, budget.reserved(), "all memory back");
    }

    @Test
    @DisplayName("a slice sees the run as it was when taken, while the owner goes on appending")
    void sliceIsAPrefix() {
        SegmentAllocator segments = new SegmentAllocator(new CacheBudget(CacheBudget.MIN_BYTES), SEGMENT);
        PacketRun run = new PacketRun(segments);
        for (int i = 0; i < 5; i++) {
            ByteBuf p = packet(true, i, 1000);
            run.append(p, p.readerIndex(), p.readableBytes());
            p.release();
        }
        RunSlice slice = run.slice();
        for (int i = 5; i < 20; i++) {
            ByteBuf p = packet(true, i, 1000);
            run.append(p, p.readerIndex(), p.readableBytes());
            p.release();
        }
        List<byte[]> read = CacheReplay.read(slice);
        slice.close();
        assertEquals(5, read.size());
        assertEquals(20, run.packetCount());
        run.releaseFromCache();
        segments.close();
    }

    @Test
    @DisplayName("the cache lets go, a reader keeps the memory (counted as replay-held) until its last buffer is freed on another thread")
    void lastReaderFrees() throws Exception {
        CacheBudget budget = new CacheBudget(CacheBudget.MIN_BYTES);
        SegmentAllocator segments = new SegmentAllocator(budget, SEGMENT);
        PacketRun run = new PacketRun(segments);
        for (int i = 0; i < 10; i++) {
            ByteBuf p = packet(true, i, 1000);
            run.append(p, p.readerIndex(), p.readableBytes());
            p.release();
        }
        long capacity = run.capacity();
        RunSlice slice = run.slice();
        ByteBuf kept = slice.next(); // a transport still holds this one
        assertFalse(run.isExclusive());
        run.releaseFromCache();
        assertEquals(capacity, budget.replayHeld(), "let go by the cache, held by the reader");
        assertEquals(capacity, budget.reserved());
        slice.close();
        assertEquals(capacity, budget.reserved(), "the last buffer still pins it");

        CompletableFuture.runAsync(kept::release).get(); // the event loop that wrote it
        assertEquals(0, budget.replayHeld());
        assertEquals(capacity, budget.reserved(), "freed segments wait in the pool");
        segments.close();
        assertEquals(0, budget.reserved());
    }

    @Test
    @DisplayName("no memory past the budget: append says no and changes nothing")
    void budgetRefuses() {
        CacheBudget budget = new CacheBudget(CacheBudget.MIN_BYTES);
        SegmentAllocator segments = new SegmentAllocator(budget, 1024 * 1024);
        PacketRun run = new PacketRun(segments);
        int appended = 0;
        ByteBuf p = packet(true, 0, 60_000);
        while (run.append(p, p.readerIndex(), p.readableBytes())) {
            appended++;
        }
        assertEquals(4 * 17, appended, "four 1 MiB segments of 17 packets each");
        assertEquals(CacheBudget.MIN_BYTES, budget.reserved());
        assertEquals(appended, run.packetCount());
        assertEquals(1, budget.refusals());
        p.release();
        run.releaseFromCache();
        segments.close();
        assertEquals(0, budget.reserved());
    }

    @Test
    @DisplayName("an exclusive run is cleared and reused; its segments come back from the pool without new memory")
    void reuseFromPool() {
        CacheBudget budget = new CacheBudget(CacheBudget.MIN_BYTES);
        SegmentAllocator segments = new SegmentAllocator(budget, SEGMENT);
        PacketRun run = new PacketRun(segments);
        ByteBuf p = packet(true, 0, 1000);
        for (int i = 0; i < 12; i++) {
            run.append(p, p.readerIndex(), p.readableBytes());
        }
        long reserved = budget.reserved();
        assertTrue(run.isExclusive());
        run.clear();
        assertEquals(0, run.capacity());
        for (int i = 0; i < 12; i++) {
            run.append(p, p.readerIndex(), p.readableBytes());
        }
        assertEquals(reserved, budget.reserved(), "no new segment");
        p.release();
        run.releaseFromCache();
        segments.close();
    }
}
