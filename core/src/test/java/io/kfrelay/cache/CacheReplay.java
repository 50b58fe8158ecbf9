package io.kfrelay.cache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.util.ArrayList;
import java.util.List;

/** Reads what a joiner would be replayed from a cache now, as the replay thread does, into byte arrays. */
final class CacheReplay {
    private CacheReplay() {
    }

    static List<byte[]> of(StreamCache cache) {
        List<RunSlice> slices = new ArrayList<>();
        cache.replaySlices(slices);
        List<byte[]> out = new ArrayList<>();
        for (RunSlice slice : slices) {
            try (slice) {
                out.addAll(read(slice));
            }
        }
        return out;
    }

    static List<byte[]> read(RunSlice slice) {
        List<byte[]> out = new ArrayList<>();
        ByteBuf p;
        while ((p = slice.next()) != null) {
            out.add(ByteBufUtil.getBytes(p));
            p.release();
        }
        return out;
    }
}
