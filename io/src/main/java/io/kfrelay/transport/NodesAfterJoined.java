package io.kfrelay.transport;

import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A cluster session's sink: it puts NODES (the cluster's serving nodes, docs/PROTOCOL.md) right behind the JOINED
 * the core sends, so a client learns where it may reconnect before anything else of the room reaches it. The JOINED
 * is the first control message the core sends a joiner; a refusal (an ERROR first) gets no NODES. Everything else
 * passes through unchanged.
 *
 * <p>Threads: as {@link ParticipantSink}; the first control message comes from the shard consumer, before any replay.
 */
final class NodesAfterJoined implements ParticipantSink {
    private final ParticipantSink sink;
    private final ControlMessage.Nodes nodes;
    private final ByteBufAllocator alloc;
    /** Set by the first control message: NODES was sent or is not due. */
    private volatile boolean decided;

    NodesAfterJoined(ParticipantSink sink, ControlMessage.Nodes nodes, ByteBufAllocator alloc) {
        this.sink = sink;
        this.nodes = nodes;
        this.alloc = alloc;
    }

    @Override
    public void sendControl(ByteBuf message) {
        if (decided) {
            sink.sendControl(message);
            return;
        }
        decided = true;
        boolean joined = ControlCodec.peekType(message) == MessageType.JOINED;
        sink.sendControl(message);
        if (joined) {
            sink.sendControl(ControlCodec.encode(nodes, alloc));
        }
    }

    @Override
    public void sendMedia(ByteBuf packet) {
        sink.sendMedia(packet);
    }

    @Override
    public void sendCatchUp(ByteBuf packet) {
        sink.sendCatchUp(packet);
    }

    @Override
    public long backlogBytes() {
        return sink.backlogBytes();
    }

    @Override
    public long unsentBytes() {
        return sink.unsentBytes();
    }

    @Override
    public void whenBacklogAtMost(long bytes, Runnable wakeup) {
        sink.whenBacklogAtMost(bytes, wakeup);
    }

    @Override
    public void purge(long senderId, int streamId) {
        sink.purge(senderId, streamId);
    }

    @Override
    public void demand(int streamId, boolean wanted) {
        sink.demand(streamId, wanted);
    }

    @Override
    public void flush() {
        sink.flush();
    }

    @Override
    public void close() {
        sink.close();
    }
}
