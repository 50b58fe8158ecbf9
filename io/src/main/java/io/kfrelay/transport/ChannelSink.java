package io.kfrelay.transport;

import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.MessageType;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.transport.TransportMetrics.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.netty.util.internal.PlatformDependent;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connection's egress: the relay core's {@link ParticipantSink} for a Netty channel (WebSocket) or any other
 * {@link EgressPort} (QUIC: datagrams and a stream).
 *
 * <p>Producers (the shard consumer, a replay thread, the connection's own event loop for PONG and ERROR)
 * only enqueue into a bounded MPSC queue; {@link #flush()} schedules at most one drain task on the channel's
 * event loop, which writes what is queued and flushes once. Nothing here blocks or takes a lock, so a slow
 * receiver costs nobody else anything: while its channel is unwritable the drain stops, its queue fills and
 * the {@link SinkLimits} decide what is dropped.
 *
 * <p>Drop policy: non-keyframe media goes first (it is admitted only under a share of the media limits),
 * then keyframe media. Dropping video of a stream puts that stream, for this receiver, into "resume at next
 * keyframe": its packets are skipped until one with KEYFRAME and FRAME_START arrives, and the sink asks the
 * relay for a keyframe (the relay throttles). Control is never dropped; a receiver so far behind that even
 * control does not fit under the hard caps is disconnected.
 *
 * <p>Buffers: media is borrowed (a retained duplicate is queued, so the shared packet's indices stay
 * untouched), control is owned. Each queued buffer is released exactly once: by the channel write, or by
 * {@link #releaseQueued()} when the connection is gone.
 */
public final class ChannelSink implements ParticipantSink {
    /** Streams one receiver may wait on for a keyframe at once (see {@link StreamKeySet}). */
    static final int MAX_AWAITING_STREAMS = 64;
    /** The queue grows and shrinks in chunks of this many slots, so an idle connection stays small. */
    private static final int QUEUE_CHUNK = 64;

    private static final int OPEN = 0;
    /** The relay or the transport asked to close: write what is queued, then say goodbye. */
    private static final int CLOSING = 1;
    /** The connection is gone (or being cut): release, never write. */
    private static final int DISCARDING = 2;

    private final EgressPort port;
    private final SinkLimits limits;
    private final KeyframeRequester keyframes;
    private final TransportMetrics metrics;
    private final long closeTimeoutNanos;
    private final Queue<ByteBuf> queue;
    private final QueueBudget budget = new QueueBudget();
    private final AtomicInteger state = new AtomicInteger(OPEN);
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    // Media callers are the shard consumer or the replay thread, never both at once (ParticipantSink's
    // contract, the hand-over goes through the ring), so this plain state needs no synchronization.
    private final StreamKeySet awaitingKeyframe = new StreamKeySet(MAX_AWAITING_STREAMS);
    private volatile Future<?> closeTimer;
    // Event loop only.
    private boolean goodbyeSent;

    /**
     * @param closeTimeout how long a closing connection may take to write out its queue before it is cut off
     */
    public ChannelSink(Channel channel, EgressFraming framing, SinkLimits limits, KeyframeRequester keyframes,
                       TransportMetrics metrics, Duration closeTimeout) {
        this(EgressPort.of(channel, framing), limits, keyframes, metrics, closeTimeout);
    }

    /**
     * @param port         where the drain writes (the transport's half of the sink)
     * @param closeTimeout how long a closing connection may take to write out its queue before it is cut off
     */
    public ChannelSink(EgressPort port, SinkLimits limits, KeyframeRequester keyframes, TransportMetrics metrics,
                       Duration closeTimeout) {
        this.port = port;
        this.limits = limits;
        this.keyframes = keyframes;
        this.metrics = metrics;
        this.closeTimeoutNanos = closeTimeout.toNanos();
        // Sized to the hard cap, which the budget enforces first: offer() only fails if that is broken.
        this.queue = PlatformDependent.newMpscQueue(QUEUE_CHUNK, Math.max(limits.hardCapMessages(), 2 * QUEUE_CHUNK));
    }

    // ------------------------------------------------------------------ producers (any thread, never block)

    @Override
    public void sendMedia(ByteBuf packet) {
        if (state.get() != OPEN) {
            return; // borrowed: nothing to release
        }
        int at = packet.readerIndex();
        int flags = packet.getUnsignedByte(at + MediaHeader.FLAGS_OFFSET);
        boolean keyframe = (flags & Protocol.FLAG_KEYFRAME) != 0;
        boolean video = packet.getUnsignedByte(at + MediaHeader.KIND_OFFSET) == Protocol.KIND_VIDEO;
        if (video && !awaitingKeyframe.isEmpty()) {
            long key = StreamKeySet.key(senderId(packet, at), streamId(packet, at));
            if (awaitingKeyframe.contains(key)) {
                if (!keyframe || (flags & Protocol.FLAG_FRAME_START) == 0) {
                    metrics.increment(Counter.MEDIA_SKIPPED);
                    return;
                }
                awaitingKeyframe.remove(key); // this packet starts a keyframe: the stream decodes again from here
            }
        }
        int length = packet.readableBytes();
        boolean admitted = keyframe
                ? budget.tryReserve(length, limits.mediaMessages(), limits.mediaBytes())
                : budget.tryReserve(length, limits.deltaMessages(), limits.deltaBytes());
        if (!admitted) {
            dropMedia(packet, at, video);
            return;
        }
        enqueue(packet.retainedDuplicate(), length);
    }

    private void dropMedia(ByteBuf packet, int at, boolean video) {
        metrics.increment(Counter.MEDIA_DROPPED);
        if (video) {
            // Later deltas of this stream would not decode without the lost packet: wait for a keyframe.
            long sender = senderId(packet, at);
            int stream = streamId(packet, at);
            awaitingKeyframe.add(StreamKeySet.key(sender, stream));
            metrics.increment(Counter.KEYFRAME_REQUESTS);
            keyframes.requestKeyframe(sender, stream);
        }
    }

    private static long senderId(ByteBuf packet, int at) {
        return packet.getUnsignedInt(at + MediaHeader.SENDER_OFFSET);
    }

    private static int streamId(ByteBuf packet, int at) {
        return packet.getUnsignedShort(at + MediaHeader.STREAM_OFFSET);
    }

    @Override
    public void sendControl(ByteBuf message) {
        if (state.get() == DISCARDING) {
            message.release();
            return;
        }
        int length = message.readableBytes();
        if (!budget.tryReserve(length, limits.hardCapMessages(), limits.hardCapBytes())) {
            message.release();
            disconnectSlowReceiver();
            return;
        }
        enqueue(message, length);
    }

    private void enqueue(ByteBuf message, int length) {
        if (!queue.offer(message)) {
            // Cannot happen while the budget holds (the queue is sized to the hard cap), but never leak.
            budget.release(1, length);
            message.release();
            disconnectSlowReceiver();
            return;
        }
        if (state.get() == DISCARDING) {
            // The connection went away meanwhile and its queue may already be emptied for good: look again.
            scheduleDrain();
        }
    }

    @Override
    public void flush() {
        // An unwritable channel needs no wake-up: it drains when it turns writable (onWritabilityChanged).
        if (state.get() != OPEN || (port.isWritable() && !queue.isEmpty())) {
            scheduleDrain();
        }
    }

    /** Relay-initiated end (join refused, kicked, relay shutting down): write what is queued, then close. */
    @Override
    public void close() {
        if (!state.compareAndSet(OPEN, CLOSING)) {
            return;
        }
        scheduleDrain();
        try {
            closeTimer = port.eventLoop().schedule(this::closeTimedOut, closeTimeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The event loop is shutting down and closes the channel itself.
        }
    }

    private void disconnectSlowReceiver() {
        if (discard()) {
            metrics.increment(Counter.SLOW_RECEIVERS_DISCONNECTED);
            port.close(); // thread-safe; channelInactive follows and releases the queue
            scheduleDrain();
        }
    }

    /** Moves to DISCARDING; true for the one caller that made the move. */
    private boolean discard() {
        int s;
        while ((s = state.get()) != DISCARDING) {
            if (state.compareAndSet(s, DISCARDING)) {
                return true;
            }
        }
        return false;
    }

    private void scheduleDrain() {
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            try {
                port.eventLoop().execute(drainTask);
            } catch (RejectedExecutionException e) {
                // The event loop is gone (server shut down): nothing can be written any more.
            }
        }
    }

    // ------------------------------------------------------------------ the channel's event loop

    private void drain() {
        // Cleared before polling: whatever a producer enqueues after this point gets a drain of its own.
        drainScheduled.set(false);
        if (state.get() == DISCARDING || goodbyeSent) {
            releaseQueued();
            return;
        }
        int messages = 0;
        long bytes = 0;
        int media = 0;
        long mediaBytes = 0;
        ByteBuf message;
        boolean closing = state.get() == CLOSING;
        while ((message = queue.peek()) != null) {
            int length = message.readableBytes(); // before the write, which may consume the buffer
            boolean isMedia = length > Protocol.TYPE_OFFSET
                    && message.getUnsignedByte(message.readerIndex() + Protocol.TYPE_OFFSET) == MessageType.MEDIA.code();
            if (isMedia && closing) {
                // Closing: queued media no longer matters, and the ERROR behind it must not wait for it.
                queue.poll();
                messages++;
                bytes += length;
                message.release();
                metrics.increment(Counter.MEDIA_DROPPED);
                continue;
            }
            if (!port.canWrite(message)) {
                break;
            }
            queue.poll(); // the one consumer: the same message
            messages++;
            bytes += length;
            if (isMedia) {
                media++;
                mediaBytes += length;
            }
            port.write(message);
        }
        if (messages > 0) {
            budget.release(messages, bytes);
            if (media > 0) {
                // Counted before the flush: once a client has a packet, the counters already include it.
                metrics.add(Counter.EGRESS_PACKETS, media);
                metrics.add(Counter.EGRESS_BYTES, mediaBytes);
            }
            port.flush();
        }
        if (state.get() == CLOSING && !goodbyeSent && queue.isEmpty()) {
            goodbyeSent = true;
            port.goodbye();
        }
    }

    /** The channel's writability changed (event loop): resume draining if it can take data again. */
    public void onWritabilityChanged() {
        if (port.isWritable()) {
            // A task, not an inline drain: writability can change inside the drain's own flush.
            scheduleDrain();
        }
    }

    /** The channel is closed (event loop): nothing more is written; everything queued is released. */
    public void onInactive() {
        discard();
        Future<?> timer = closeTimer;
        if (timer != null) {
            timer.cancel(false);
        }
        releaseQueued();
    }

    private void closeTimedOut() {
        if (port.isOpen() && discard()) {
            metrics.increment(Counter.CLOSE_TIMEOUTS);
            port.close();
        }
        releaseQueued();
    }

    /**
     * Releases everything queued. Only the queue's one consumer may call it: the event loop, or any thread
     * once that loop has terminated.
     */
    public void releaseQueued() {
        int messages = 0;
        long bytes = 0;
        ByteBuf message;
        while ((message = queue.poll()) != null) {
            messages++;
            bytes += message.readableBytes();
            message.release();
        }
        budget.release(messages, bytes);
    }

    // ------------------------------------------------------------------ inspection

    /** Messages waiting (approximate while producers run). */
    public int queuedMessages() {
        return budget.messages();
    }

    /** Bytes waiting (approximate while producers run). */
    public long queuedBytes() {
        return budget.bytes();
    }

    /** Streams this receiver skips until their next keyframe. Media callers' thread only (tests). */
    int awaitingKeyframeStreams() {
        return awaitingKeyframe.size();
    }

    /** Whether the relay or the transport has asked this sink to close, or the connection is gone. */
    public boolean isClosing() {
        return state.get() != OPEN;
    }
}
