package io.kfrelay.cache;

import io.netty.buffer.ByteBuf;

/**
 * The first packets of a {@link PacketRun}, as they stood when a JOIN took them, held for one replay: records the
 * consumer wrote before the replay thread started, so the reader needs no synchronization beyond that start. The
 * replay reads it once ({@link #next()}) and {@link #close() closes} it; until then the run's memory stays.
 */
public final class RunSlice implements AutoCloseable {
    private final PacketRun run;
    private final int packets;
    private final long bytes;
    private CacheSegment segment;
    private ByteBuf view;
    private int position;
    private int left;
    private boolean closed;

    RunSlice(PacketRun run, CacheSegment first, int packets, long bytes) {
        this.run = run;
        this.segment = first;
        this.packets = packets;
        this.bytes = bytes;
        this.left = packets;
    }

    public int packetCount() {
        return packets;
    }

    /** Bytes of the packets (what the replay will send). */
    public long bytes() {
        return bytes;
    }

    /**
     * The next packet as a retained slice of the cached memory (REPLAY flag set), or null after the last one. The
     * caller releases it; a sink that keeps it keeps the memory alive. One reader thread.
     */
    public ByteBuf next() {
        if (left == 0 || closed) {
            return null;
        }
        while (true) {
            if (view == null) {
                run.retain();
                view = segment.view(run);
            }
            if (position + CacheSegment.RECORD_HEADER <= segment.capacity()) {
                int length = view.getIntLE(position);
                if (length > 0) {
                    ByteBuf packet = view.retainedSlice(position + CacheSegment.RECORD_HEADER, length);
                    position += CacheSegment.RECORD_HEADER + length;
                    left--;
                    return packet;
                }
            }
            // The segment's records end here (a seal mark or no room for one): the rest is in the next segment.
            view.release();
            view = null;
            segment = segment.next;
            position = 0;
        }
    }

    /** Done with this slice (read to the end or not): gives back its reference. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (view != null) {
            view.release();
            view = null;
        }
        run.release();
    }
}
