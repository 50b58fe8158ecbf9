package io.kfrelay.transport;

import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
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
import java.util.concurrent.atomic.AtomicLong;

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
 * <p>Drop policy: video deltas go first (they are admitted only under a share of the media limits), then
 * keyframe packets and audio (audio is a sliver of the bytes and has no keyframe to recover at). Dropping
 * video of a stream puts that stream, for this receiver, into "resume at next keyframe": its packets are
 * skipped until one with KEYFRAME and FRAME_START arrives while the queue is down to the low-water mark (a
 * keyframe resumed into a full queue would only be cut short again). The keyframe request goes out once per
 * loss, when the receiver has drained to the low-water mark: a stalled receiver asks for nothing, so it
 * cannot raise the publisher's keyframe rate. Control is never dropped; a receiver so far behind that even
 * control does not fit under the hard caps is disconnected, and so is one that drops media and does not
 * drain for the stall timeout (after an ERROR, if that still fits).
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
    private static final int KEYFRAME_START = Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START;
    /** The protocol has no code for "too slow" yet; the relay ending the session is the closest. */
    private static final int STALLED_ERROR_CODE = ErrorCodes.TOO_SLOW;

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
    // The awaiting streams whose keyframe request has gone out for the current loss.
    private final StreamKeySet keyframeRequested = new StreamKeySet(MAX_AWAITING_STREAMS);
    private final long stallTimeoutNanos;
    /** Event-loop clock time of the first drop since the queue was last drained to the low-water mark; 0 = none. */
    private final AtomicLong stalledSince = new AtomicLong();
    private final AtomicBoolean stallCheckScheduled = new AtomicBoolean();
    private final Runnable stallCheckTask = this::checkStall;
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
        this.stallTimeoutNanos = limits.stallTimeout().toNanos();
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
        int kind = packet.getUnsignedByte(at + MediaHeader.KIND_OFFSET);
        boolean video = kind == Protocol.KIND_VIDEO;
        if (video && !awaitingKeyframe.isEmpty() && !resumes(packet, at, flags)) {
            metrics.increment(Counter.MEDIA_SKIPPED);
            return;
        }
        int length = packet.readableBytes();
        boolean admitted = keyframe || kind == Protocol.KIND_AUDIO
                ? budget.tryReserve(length, limits.mediaMessages(), limits.mediaBytes())
                : budget.tryReserve(length, limits.deltaMessages(), limits.deltaBytes());
        if (!admitted) {
            dropMedia(packet, at, video);
            return;
        }
        enqueue(packet.retainedDuplicate(), length);
    }

    /** Whether a video packet may go on: its stream is not waiting, or it is a keyframe start it resumes at. */
    private boolean resumes(ByteBuf packet, int at, int flags) {
        long sender = senderId(packet, at);
        int stream = streamId(packet, at);
        long key = StreamKeySet.key(sender, stream);
        if (!awaitingKeyframe.contains(key)) {
            return true;
        }
        if (!budget.isWithin(limits.lowWaterMessages(), limits.lowWaterBytes())) {
            if ((flags & KEYFRAME_START) == KEYFRAME_START) {
                // This keyframe is lost too: the request for it (if any) is spent, ask again once drained.
                keyframeRequested.remove(key);
            }
            return false;
        }
        if ((flags & KEYFRAME_START) == KEYFRAME_START) {
            awaitingKeyframe.remove(key); // drained and a keyframe starts: the stream decodes again from here
            keyframeRequested.remove(key);
            return true;
        }
        if (!keyframeRequested.contains(key)) {
            // Drained: now a keyframe would fit, so now is the time to ask (once per loss; the relay throttles).
            keyframeRequested.add(key);
            metrics.increment(Counter.KEYFRAME_REQUESTS);
            keyframes.requestKeyframe(sender, stream);
        }
        return false;
    }

    private void dropMedia(ByteBuf packet, int at, boolean video) {
        metrics.increment(Counter.MEDIA_DROPPED);
        noteStall();
        if (video) {
            // Later deltas of this stream would not decode without the lost packet: wait for a keyframe.
            long key = StreamKeySet.key(senderId(packet, at), streamId(packet, at));
            awaitingKeyframe.add(key);
            keyframeRequested.remove(key);
        }
    }

    /** A drop: starts the stall clock unless it runs already, and makes sure a check will look at it. */
    private void noteStall() {
        if (stallTimeoutNanos == 0) {
            return;
        }
        if (stalledSince.get() == 0) {
            stalledSince.compareAndSet(0, nonZeroNanoTime());
        }
        // Written after stalledSince, read before it in checkStall: a clock started is always looked at.
        if (!stallCheckScheduled.get() && stallCheckScheduled.compareAndSet(false, true)) {
            scheduleStallCheck(stallTimeoutNanos);
        }
    }

    /** The event loop's clock (what its timers run on; tests can move it), never 0 (0 means "no stall"). */
    private long nonZeroNanoTime() {
        long now = port.eventLoop().ticker().nanoTime();
        return now == 0 ? 1 : now;
    }

    private void scheduleStallCheck(long delayNanos) {
        try {
            port.eventLoop().schedule(stallCheckTask, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The event loop is shutting down and closes the channel itself.
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
        if (stalledSince.get() != 0 && budget.isWithin(limits.lowWaterMessages(), limits.lowWaterBytes())) {
            stalledSince.set(0); // drained: whatever drops come next start a new stall
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

    /** The stall clock's check (event loop): a receiver stalled for the whole timeout is disconnected. */
    private void checkStall() {
        stallCheckScheduled.set(false);
        long since = stalledSince.get();
        if (since == 0 || state.get() != OPEN) {
            return;
        }
        long left = since + stallTimeoutNanos - nonZeroNanoTime();
        if (left > 0) {
            if (stallCheckScheduled.compareAndSet(false, true)) {
                scheduleStallCheck(left); // the clock restarted since this check was scheduled
            }
            return;
        }
        metrics.increment(Counter.SLOW_RECEIVERS_DISCONNECTED);
        ByteBuf error = ControlCodec.encode(new ControlMessage.Error(STALLED_ERROR_CODE, "receiving too slowly: "
                + "no progress for " + TimeUnit.NANOSECONDS.toMillis(stallTimeoutNanos) + " ms"), port.alloc());
        int length = error.readableBytes();
        if (budget.tryReserve(length, limits.hardCapMessages(), limits.hardCapBytes())) {
            if (queue.offer(error)) {
                close(); // queued media is dropped; the ERROR goes out if the receiver reads again, the close timer bounds it
                return;
            }
            budget.release(1, length);
        }
        error.release(); // no room even for the ERROR: just cut
        if (discard()) {
            port.close();
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
