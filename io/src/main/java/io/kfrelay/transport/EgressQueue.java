package io.kfrelay.transport;

import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.MessageType;
import io.kfrelay.transport.TransportMetrics.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Future;
import io.netty.util.internal.PlatformDependent;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The core of one connection's egress ({@link ChannelSink}): a bounded MPSC queue of protocol messages, the
 * {@link QueueBudget} that bounds it, and its one consumer, a drain task on the {@link EgressPort}'s event loop.
 *
 * <p>Producers (the shard consumer, a replay thread, the connection's own event loop) reserve room in the budget
 * and then enqueue; nothing blocks or takes a lock. {@link #flush()} schedules at most one drain task per burst,
 * which writes what is queued and flushes once. A port that says "not now" stops the drain until the transport
 * reports it writable again ({@link #onWritabilityChanged()}); meanwhile the queue fills and the producers'
 * limits decide what is left out.
 *
 * <p>States: OPEN; CLOSING (the relay asked to close: queued control is written, queued media is dropped, then
 * the port says goodbye, or the connection is cut when the close timeout runs out); DISCARDING (the connection is
 * gone or being cut: nothing more is written). Each queued buffer is released exactly once: by the port's write,
 * or by {@link #releaseQueued()}.
 *
 * <p>Purges ({@link #purge}): the receiver unsubscribed from a stream, so the drain drops that stream's media queued
 * before the purge, as it meets it, up to the purge's fence ({@link PurgeFences}). Dropping costs the receiver's link
 * nothing, so a purged message never waits for the port; the drain looks for purged media only while a purge is
 * pending.
 */
final class EgressQueue {
    /** The queue grows and shrinks in chunks of this many slots, so an idle connection stays small. */
    private static final int QUEUE_CHUNK = 64;

    private static final int OPEN = 0;
    /** The relay or the transport asked to close: write what is queued, then say goodbye. */
    private static final int CLOSING = 1;
    /** The connection is gone (or being cut): release, never write. */
    private static final int DISCARDING = 2;

    private final EgressPort port;
    private final SinkLimits limits;
    private final TransportMetrics metrics;
    private final long closeTimeoutNanos;
    private final Runnable afterDrain;
    private final Queue<ByteBuf> queue;
    private final QueueBudget budget = new QueueBudget();
    private final PurgeFences purges = new PurgeFences();
    private final AtomicInteger state = new AtomicInteger(OPEN);
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    private volatile Future<?> closeTimer;
    /** A closed-loop sender (a replay) waiting for the backlog to fall to {@link #waiterBytes}. */
    private final java.util.concurrent.atomic.AtomicReference<Runnable> backlogWaiter =
            new java.util.concurrent.atomic.AtomicReference<>();
    private volatile long waiterBytes;
    // Event loop only.
    private boolean goodbyeSent;

    /**
     * @param closeTimeout how long a closing connection may take to write out its queue before it is cut off
     * @param afterDrain   runs on the event loop at the end of every drain of a live connection (after its flush,
     *                     before a closing queue says goodbye)
     */
    EgressQueue(EgressPort port, SinkLimits limits, TransportMetrics metrics, Duration closeTimeout,
                Runnable afterDrain) {
        this.port = port;
        this.limits = limits;
        this.metrics = metrics;
        this.closeTimeoutNanos = closeTimeout.toNanos();
        this.afterDrain = afterDrain;
        // Sized to the hard cap, which the budget enforces first, plus the purges' fences, which PurgeFences bounds:
        // offer() only fails if one of them is broken.
        this.queue = PlatformDependent.newMpscQueue(QUEUE_CHUNK,
                Math.max(limits.hardCapMessages(), 2 * QUEUE_CHUNK) + PurgeFences.CAPACITY);
    }

    /** What is queued, in messages and bytes: producers reserve here before they enqueue. */
    QueueBudget budget() {
        return budget;
    }

    boolean isOpen() {
        return state.get() == OPEN;
    }

    /** Whether the relay or the transport has asked to close, or the connection is gone. */
    boolean isClosing() {
        return state.get() != OPEN;
    }

    // ------------------------------------------------------------------ producers (any thread, never block)

    /**
     * Runs {@code wakeup} once when the queued bytes fall to {@code bytes} or the queue stops being open (at once if
     * they already have). One waiter at a time; a new one replaces the old.
     */
    void whenBacklogAtMost(long bytes, Runnable wakeup) {
        waiterBytes = bytes;
        backlogWaiter.set(wakeup);
        wakeWaiter(); // it may have drained between the caller's look and now
    }

    private void wakeWaiter() {
        Runnable w = backlogWaiter.get();
        if (w != null && (budget.bytes() <= waiterBytes || state.get() != OPEN) && backlogWaiter.compareAndSet(w, null)) {
            w.run();
        }
    }

    /**
     * Queues media a closed-loop sender sent (its window keeps it small): only the hard caps apply. Borrowed: a
     * retained duplicate is queued. False when even the hard caps have no room (the caller drops it).
     */
    boolean enqueueCatchUp(ByteBuf packet) {
        int length = packet.readableBytes();
        if (!budget.tryReserve(length, limits.hardCapMessages(), limits.hardCapBytes())) {
            return false;
        }
        enqueueReserved(packet.retainedDuplicate(), length);
        return true;
    }

    /**
     * Queues {@code message}, for which the caller has reserved {@code length} bytes and one message in
     * {@link #budget()}. Ownership passes.
     */
    void enqueueReserved(ByteBuf message, int length) {
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

    /**
     * Queues an owned control message. Control is never dropped: a receiver so far behind that it does not fit
     * under the hard caps is disconnected.
     */
    void sendControl(ByteBuf message) {
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
        enqueueReserved(message, length);
    }

    /** Queues an owned message if it fits under the hard caps; false leaves it with the caller, nothing else. */
    boolean tryEnqueueControl(ByteBuf message) {
        int length = message.readableBytes();
        if (!budget.tryReserve(length, limits.hardCapMessages(), limits.hardCapBytes())) {
            return false;
        }
        if (!queue.offer(message)) {
            budget.release(1, length);
            return false;
        }
        return true;
    }

    /**
     * The receiver unsubscribed from the stream {@code key} ({@link StreamKeySet#key}): its media queued so far is
     * dropped, not written, and counted ({@code MEDIA_PURGED}); what is queued after this call is kept. A drain is
     * scheduled at once, so what the head of the queue holds of the stream is freed even while the port cannot take
     * data. Only the media caller calls this (it is {@link PurgeFences}' one producer). With {@link PurgeFences#CAPACITY}
     * purges already pending the purge is not made, and the stream's queued media goes out after all.
     */
    void purge(long key) {
        if (state.get() != OPEN) {
            return; // closing drops the queued media anyway
        }
        if (!purges.add(key)) {
            return;
        }
        if (!queue.offer(PurgeFences.FENCE)) {
            // Cannot happen (the queue has a slot for every fence PurgeFences allows), but never drop media for good.
            disconnectSlowReceiver();
            return;
        }
        scheduleDrain(); // also when DISCARDING: the fence may have missed the last release
    }

    /** Purges whose fence the drain has not reached yet (tests). */
    int pendingPurges() {
        return purges.pending();
    }

    /** End of a burst: drains once if there is something to write, or to release. */
    void flush() {
        // An unwritable channel needs no wake-up: it drains when it turns writable (onWritabilityChanged).
        if (state.get() != OPEN || (port.isWritable() && !queue.isEmpty())) {
            scheduleDrain();
        }
    }

    /** Orderly end: write what is queued (media aside), then goodbye; cut off after the close timeout. */
    void close() {
        if (!state.compareAndSet(OPEN, CLOSING)) {
            return;
        }
        wakeWaiter();
        scheduleDrain();
        try {
            closeTimer = port.eventLoop().schedule(this::closeTimedOut, closeTimeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The event loop is shutting down and closes the channel itself.
        }
    }

    /** Cuts the connection off at once and releases what is queued. Event loop. */
    void cut() {
        if (discard()) {
            port.close();
        }
        releaseQueued();
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
                wakeWaiter(); // a replay waiting for this connection waits no more
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

    // ------------------------------------------------------------------ the port's event loop

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
        int purged = 0;
        boolean wrote = false;
        ByteBuf message;
        boolean closing = state.get() == CLOSING;
        while ((message = queue.peek()) != null) {
            if (message == PurgeFences.FENCE) {
                queue.poll(); // never written, never budgeted
                purges.fenceReached();
                continue;
            }
            int length = message.readableBytes(); // before the write, which may consume the buffer
            boolean isMedia = ControlCodec.peekType(message) == MessageType.MEDIA;
            if (isMedia && closing) {
                // Closing: queued media no longer matters, and the ERROR behind it must not wait for it.
                queue.poll();
                messages++;
                bytes += length;
                message.release();
                metrics.increment(Counter.MEDIA_DROPPED);
                continue;
            }
            if (isMedia && !purges.isEmpty() && purges.covers(streamKey(message))) {
                // Unsubscribed: dropped without asking the port, since it costs the link nothing.
                queue.poll();
                messages++;
                bytes += length;
                purged++;
                message.release();
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
            wrote = true;
        }
        if (messages > 0) {
            budget.release(messages, bytes);
            if (purged > 0) {
                metrics.add(Counter.MEDIA_PURGED, purged);
            }
            if (media > 0) {
                // Counted before the flush: once a client has a packet, the counters already include it.
                metrics.add(Counter.EGRESS_PACKETS, media);
                metrics.add(Counter.EGRESS_BYTES, mediaBytes);
            }
        }
        if (wrote) {
            port.flush();
        }
        afterDrain.run();
        wakeWaiter();
        if (state.get() == CLOSING && !goodbyeSent && queue.isEmpty()) {
            goodbyeSent = true;
            port.goodbye();
        }
    }

    private static long streamKey(ByteBuf media) {
        int at = media.readerIndex();
        return StreamKeySet.key(MediaHeader.senderId(media, at), MediaHeader.streamId(media, at));
    }

    /** The port's writability changed (event loop): resume draining if it can take data again. */
    void onWritabilityChanged() {
        if (port.isWritable()) {
            // A task, not an inline drain: writability can change inside the drain's own flush.
            scheduleDrain();
        }
    }

    /** The connection is closed (event loop): nothing more is written; everything queued is released. */
    void onInactive() {
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
    void releaseQueued() {
        int messages = 0;
        long bytes = 0;
        ByteBuf message;
        while ((message = queue.poll()) != null) {
            if (message == PurgeFences.FENCE) {
                purges.fenceReached();
                continue;
            }
            messages++;
            bytes += message.readableBytes();
            message.release();
        }
        budget.release(messages, bytes);
        wakeWaiter();
    }
}
