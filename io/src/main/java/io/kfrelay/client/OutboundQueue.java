package io.kfrelay.client;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one path a client's messages take to its connection, from every thread alike. {@link #add} only appends;
 * {@link #flush} schedules one drain task on the connection's event loop, which writes what is queued, in order,
 * and flushes once. (Writing straight to the channel when already on the event loop, say from a listener
 * callback, would overtake what other threads had queued as tasks: one stream's packets would leave out of
 * sequence.)
 *
 * <p>While the connection is unwritable the drain stops, so a backlog stays here, where {@link #queuedBytes()}
 * sees it and the client can refuse more, rather than growing unseen in the channel. {@link #close} says goodbye
 * once the queue is empty, and cuts the connection after a timeout if it never empties.
 *
 * <p>Buffers: every message added is released exactly once: by the channel it was written to, or here when it
 * can no longer be sent (added after {@link #close}, or still queued when the connection is gone).
 *
 * <p>For this package's transports; applications use {@link KfRelayClient}.
 */
public final class OutboundQueue {

    /** The connection a drain writes to. Called on its event loop only. */
    public interface Sink {
        /** Whether the connection takes more now; the drain stops while it does not. */
        boolean isWritable();

        /** Writes one message; the sink owns it from here. */
        void write(ByteBuf message);

        void flush();
    }

    private final EventExecutor loop;
    private final Sink sink;
    // Multi-consumer safe on purpose: the drain polls on the event loop, a late add() may release from its thread.
    private final Queue<ByteBuf> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    /** Set by {@link #close}: runs once on the event loop, after the last message queued before it was written. */
    private final AtomicReference<Runnable> goodbye = new AtomicReference<>();
    /** The connection is gone: release, never write. */
    private volatile boolean gone;
    private volatile ScheduledFuture<?> cutTimer;
    // Event loop only.
    private boolean goodbyeSent;

    public OutboundQueue(EventExecutor loop, Sink sink) {
        this.loop = loop;
        this.sink = sink;
    }

    /** Appends one message (any thread); takes ownership. Released at once after {@link #close} or the end. */
    public void add(ByteBuf message) {
        if (goodbye.get() != null || gone) {
            message.release();
            return;
        }
        queuedBytes.addAndGet(message.readableBytes());
        queue.offer(message);
        if (gone) {
            releaseQueued(); // the connection ended meanwhile and may have emptied its queue for good already
        }
    }

    /** Makes sure what was added gets written (any thread). */
    public void flush() {
        if (!queue.isEmpty()) {
            scheduleDrain();
        }
    }

    /** Bytes added but not yet handed to the channel (approximate while other threads add). */
    public long queuedBytes() {
        return queuedBytes.get();
    }

    /**
     * Ends the connection (any thread; only the first call counts): what is queued now is still written, then
     * {@code goodbye} runs on the event loop; later adds are released. A relay that stopped reading would hold all
     * that forever, so {@code cut} (which must close at once) runs after {@code timeout} unless the connection ended
     * first ({@link #onClosed}).
     */
    public void close(Runnable goodbye, Duration timeout, Runnable cut) {
        if (!this.goodbye.compareAndSet(null, goodbye)) {
            return;
        }
        try {
            cutTimer = loop.schedule(cut, timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            cut.run(); // the I/O threads are shut down: no goodbye can be said anyway
        }
        if (gone) {
            cancelCut(); // it ended before the timer was set
        }
        scheduleDrain();
    }

    /** The connection's writability changed (event loop): resume if it takes data again. */
    public void onWritabilityChanged() {
        if (sink.isWritable() && !queue.isEmpty()) {
            // A task, not an inline drain: writability can change inside the drain's own flush.
            scheduleDrain();
        }
    }

    /** The connection is gone (event loop): everything queued, now or later, is released. */
    public void onClosed() {
        gone = true;
        cancelCut();
        releaseQueued();
    }

    private void cancelCut() {
        ScheduledFuture<?> timer = cutTimer;
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(drainTask);
            } catch (RejectedExecutionException e) {
                // The I/O threads are shut down: nothing will be written any more.
                gone = true;
                releaseQueued();
            }
        }
    }

    private void drain() {
        drainScheduled.set(false); // cleared first: whatever is added from here on gets a drain of its own
        if (gone || goodbyeSent) {
            releaseQueued();
            return;
        }
        int written = 0;
        ByteBuf message;
        while (sink.isWritable() && (message = queue.poll()) != null) {
            queuedBytes.addAndGet(-message.readableBytes()); // before the write, which may consume it
            sink.write(message);
            written++;
        }
        if (written > 0) {
            sink.flush();
        }
        Runnable bye = goodbye.get();
        if (bye != null && queue.isEmpty()) {
            goodbyeSent = true; // anything that raced in behind it is released by the next drain
            bye.run();
        }
    }

    private void releaseQueued() {
        ByteBuf message;
        while ((message = queue.poll()) != null) {
            queuedBytes.addAndGet(-message.readableBytes());
            message.release();
        }
    }
}
