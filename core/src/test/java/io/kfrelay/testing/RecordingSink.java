package io.kfrelay.testing;

import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.MediaHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * In-memory egress: records, in order, everything the relay hands one participant. Media is copied at
 * receipt (the buffer is only borrowed), control is decoded with the one codec.
 */
public final class RecordingSink implements ParticipantSink {

    /** One received media packet. */
    public record Media(long sender, int stream, int kind, int flags, long seq, long timestamp, byte[] payload) {
        public boolean keyframe() { return (flags & io.kfrelay.protocol.Protocol.FLAG_KEYFRAME) != 0; }
        public boolean frameStart() { return (flags & io.kfrelay.protocol.Protocol.FLAG_FRAME_START) != 0; }
        public boolean frameEnd() { return (flags & io.kfrelay.protocol.Protocol.FLAG_FRAME_END) != 0; }
        public boolean replay() { return (flags & io.kfrelay.protocol.Protocol.FLAG_REPLAY) != 0; }
    }

    /** A purge the relay asked for (an unsubscribe), recorded in order with everything else. */
    /** A {@link ParticipantSink#demand} call: the stream got its first receiver ({@code wanted}) or lost its last. */
    public record Demand(int stream, boolean wanted) {
    }

    @Override
    public synchronized void demand(int streamId, boolean wanted) {
        received.add(new Demand(streamId, wanted));
    }

    public synchronized List<Demand> demands() {
        return received.stream().filter(Demand.class::isInstance).map(Demand.class::cast).toList();
    }

    public record Purge(long sender, int stream) {
    }

    private final List<Object> received = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong backlog = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean holding;
    private volatile Runnable backlogWaiter;
    private volatile long waiterAt;
    private final MediaHeader header = new MediaHeader();
    private volatile CountDownLatch gate;
    private volatile CountDownLatch blocked = new CountDownLatch(1);
    private int flushes;
    private boolean closed;
    private int callsAfterClose;

    /** From now on the next media call blocks (the consumer thread with it) until {@link #open()}. */
    public void closeGate() {
        blocked = new CountDownLatch(1);
        gate = new CountDownLatch(1);
    }

    public void open() {
        CountDownLatch g = gate;
        gate = null;
        if (g != null) {
            g.countDown();
        }
    }

    /** Waits until a media call is blocked at the gate. */
    public boolean awaitBlocked(long millis) throws InterruptedException {
        return blocked.await(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * From now on media handed over stays as backlog, as with a receiver that does not read, until {@link #release()}:
     * a closed-loop replay stops at its window.
     */
    public void hold() {
        holding = true;
    }

    /** The receiver reads everything: the backlog is gone and a replay waiting for it goes on. */
    public void release() {
        holding = false;
        backlog.set(0);
        wakeWaiter();
    }

    private void wakeWaiter() {
        Runnable w = backlogWaiter;
        if (w != null && backlog.get() <= waiterAt) {
            backlogWaiter = null;
            w.run();
        }
    }

    @Override
    public long backlogBytes() {
        return backlog.get();
    }

    /** Pretends the transport has {@code bytes} queued (what auto layer looks at); {@link #release()} clears it. */
    public void setBacklog(long bytes) {
        backlog.set(bytes);
        wakeWaiter();
    }

    @Override
    public synchronized void purge(long senderId, int streamId) {
        received.add(new Purge(senderId, streamId));
    }

    public synchronized List<Purge> purges() {
        return received.stream().filter(Purge.class::isInstance).map(Purge.class::cast).toList();
    }

    @Override
    public void whenBacklogAtMost(long bytes, Runnable wakeup) {
        waiterAt = bytes;
        backlogWaiter = wakeup;
        wakeWaiter();
    }

    @Override
    public void sendCatchUp(ByteBuf packet) {
        sendMedia(packet);
    }

    @Override
    public void sendMedia(ByteBuf packet) {
        if (holding) {
            backlog.addAndGet(packet.readableBytes());
        }
        CountDownLatch g = gate;
        if (g != null) {
            blocked.countDown();
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (closed) {
                callsAfterClose++;
            }
            if (header.wrap(packet) != DecodeStatus.OK) {
                throw new AssertionError("relay sent a malformed media packet");
            }
            byte[] payload = ByteBufUtil.getBytes(packet, header.payloadOffset(), header.payloadLength());
            received.add(new Media(header.senderId(), header.streamId(), header.kind(), header.flags(),
                    header.sequence(), header.timestamp(), payload));
        }
    }

    @Override
    public void sendControl(ByteBuf message) {
        try {
            ControlCodec.Decoded d = ControlCodec.decode(message);
            if (!(d instanceof ControlCodec.Decoded.Ok(ControlMessage m))) {
                throw new AssertionError("relay sent a malformed control message: " + d);
            }
            synchronized (this) {
                received.add(m);
            }
        } finally {
            message.release();
        }
    }

    @Override
    public synchronized void flush() {
        flushes++;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    /** Media handed over after {@link #close()}: the contract says none may be. */
    public synchronized int callsAfterClose() {
        return callsAfterClose;
    }

    public synchronized boolean closed() {
        return closed;
    }

    public synchronized int flushes() {
        return flushes;
    }

    public synchronized List<Object> all() {
        return List.copyOf(received);
    }

    public synchronized List<Media> media() {
        return received.stream().filter(Media.class::isInstance).map(Media.class::cast).toList();
    }

    public List<Media> media(long sender, int stream) {
        return media().stream().filter(m -> m.sender() == sender && m.stream() == stream).toList();
    }

    public synchronized <T extends ControlMessage> List<T> controls(Class<T> type) {
        return received.stream().filter(type::isInstance).map(type::cast).toList();
    }

    public synchronized void clear() {
        received.clear();
    }
}
