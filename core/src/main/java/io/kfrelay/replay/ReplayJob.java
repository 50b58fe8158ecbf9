package io.kfrelay.replay;

import io.kfrelay.cache.RunSlice;
import io.kfrelay.egress.ParticipantSink;
import io.netty.buffer.ByteBuf;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Sends one joiner its replay, then the live packets that queued behind it, on the joiner's own virtual thread,
 * closed-loop: it keeps at most {@code windowBytes} in the joiner's sink and waits for the transport to take them
 * ({@link ParticipantSink#backlogBytes()}), so a replay goes exactly as fast as that joiner drains, never faster,
 * and nothing of it is dropped by the sink's own policy.
 *
 * <p>The cached packets are shared slices of the cache ({@link RunSlice}), not copies. When the queue behind the
 * replay is empty the job ends and reports through {@code onDone}; the shard consumer hands over what arrived since
 * and the joiner is live. If the consumer finds the joiner cannot keep up ({@link #skipForward()}), the job stops
 * the replay, drops the queued media and sends only the queued control messages: the joiner goes live at once, its
 * video streams from their next keyframe start (the consumer gates them), never in the middle of a GOP.
 *
 * <p>Ownership of what is left: a job that ends normally leaves the queue to the consumer; a cancelled one (the
 * joiner left) releases it itself. One atomic state decides which, so nothing is released twice or leaked.
 */
public final class ReplayJob implements Runnable {
    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int CANCELLED = 2;
    /** Re-check now and then even without a wake-up: a lost signal costs at most this. */
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final ParticipantSink sink;
    private final List<RunSlice> slices;
    private final CatchUpQueue queue;
    private final long windowBytes;
    private final long flushBytes;
    private final Consumer<ReplayJob> onDone;
    private final AtomicInteger state = new AtomicInteger(RUNNING);
    private final AtomicBoolean sinkClosed = new AtomicBoolean();
    private final Runnable wakeup = this::wake;
    private volatile Thread thread;
    private volatile boolean skipForward;
    /** The replay thread is still sending cached packets (its own field). */
    private boolean replaying;
    private volatile boolean closeRequested;
    private volatile boolean finished;
    // Written by the replay thread; read by the consumer after the ring hand-over (happens-before).
    private int replayedPackets;
    private long replayedBytes;
    private int caughtUpPackets;
    private long caughtUpBytes;
    private int skippedPackets;
    private long durationNanos;
    private boolean skipped;

    /**
     * @param slices      what to replay, in order; the job closes every one of them
     * @param queue       what queues behind the replay (the consumer offers into it meanwhile)
     * @param windowBytes most bytes the job keeps in the sink ahead of the transport
     */
    public ReplayJob(ParticipantSink sink, List<RunSlice> slices, CatchUpQueue queue, long windowBytes,
                     Consumer<ReplayJob> onDone) {
        this.sink = sink;
        this.slices = slices;
        this.queue = queue;
        this.windowBytes = windowBytes;
        this.flushBytes = Math.max(1, windowBytes / 4);
        this.onDone = onDone;
    }

    /** Starts the job on a new virtual thread. */
    public ReplayJob start(String name) {
        Thread t = Thread.ofVirtual().name(name).unstarted(this);
        thread = t;
        t.start();
        return this;
    }

    @Override
    public void run() {
        if (thread == null) {
            thread = Thread.currentThread();
        }
        long start = System.nanoTime();
        long sinceFlush = 0;
        try {
            replaying = true;
            replay:
            for (RunSlice slice : slices) {
                ByteBuf packet;
                while (!stopping() && (packet = slice.next()) != null) {
                    int length = packet.readableBytes();
                    try {
                        if (!awaitWindow() || skipForward) {
                            break replay;
                        }
                        sink.sendCatchUp(packet);
                    } finally {
                        packet.release();
                    }
                    replayedPackets++;
                    replayedBytes += length;
                    sinceFlush = flushEvery(sinceFlush + length);
                }
            }
            replaying = false;
            closeSlices(); // the cache's memory goes back as soon as the replay is done with it
            catchUp(sinceFlush);
        } catch (RuntimeException e) {
            // The sink broke (connection gone): nothing more to send; the leave cleans up.
        } finally {
            closeSlices();
            durationNanos = System.nanoTime() - start;
            if (!state.compareAndSet(RUNNING, DONE)) {
                queue.releaseAll(); // cancelled: nobody takes over what queued
            }
            finished = true;
            if (closeRequested) {
                closeSinkOnce();
            }
            onDone.accept(this);
        }
    }

    private void closeSlices() {
        for (RunSlice slice : slices) {
            slice.close();
        }
    }

    /**
     * Sends what queued behind the replay until the queue is empty, dropping the media if the joiner was moved
     * forward; then the consumer takes over at once. The sink holds at most the window then, which its limits admit
     * live media beside (RelayServer checks the window against them): waiting for it to drain first was measured to
     * cost a join storm dearly (docs/PERFORMANCE.md).
     */
    private void catchUp(long sinceFlush) {
        ByteBuf item;
        while (state.get() == RUNNING && (item = queue.poll()) != null) {
            long purge = CatchUpQueue.purgeKey(item);
            if (purge >= 0) {
                item.release();
                sink.purge(purge >>> 16, (int) (purge & 0xFFFF));
                continue;
            }
            if (!CatchUpQueue.isMedia(item)) {
                if (!awaitWindow()) {
                    item.release();
                    break;
                }
                sink.sendControl(item);
                continue;
            }
            int length = item.readableBytes();
            try {
                if (skipForward) {
                    skippedPackets++; // behind for good: the joiner goes live, video at its next keyframe start
                    continue;
                }
                if (!awaitWindow()) {
                    break;
                }
                sink.sendCatchUp(item);
            } finally {
                item.release();
            }
            caughtUpPackets++;
            caughtUpBytes += length;
            sinceFlush = flushEvery(sinceFlush + length);
        }
        if (state.get() == RUNNING) {
            sink.flush();
        }
    }

    private long flushEvery(long sinceFlush) {
        if (sinceFlush >= flushBytes) {
            sink.flush();
            return 0;
        }
        return sinceFlush;
    }

    /**
     * Before a send: when the sink holds more than the window, waits until the transport has taken it down to half
     * (each wake-up is then worth a good batch). The closed loop. False when the job was cancelled meanwhile.
     */
    private boolean awaitWindow() {
        if (sink.backlogBytes() > windowBytes) {
            sink.flush();
            waitForBacklog(windowBytes / 2);
        }
        return state.get() == RUNNING;
    }

    /**
     * Parks until the sink's backlog is at most {@code bytes}, or the job is cancelled, or (while replaying) told to
     * skip forward: a joiner that cannot keep up must not hold the cache's memory while it does not read.
     */
    private void waitForBacklog(long bytes) {
        while (state.get() == RUNNING && !(replaying && skipForward) && sink.backlogBytes() > bytes) {
            sink.whenBacklogAtMost(bytes, wakeup);
            if (sink.backlogBytes() <= bytes) {
                return;
            }
            LockSupport.parkNanos(this, MAX_PARK_NANOS);
        }
    }

    private boolean stopping() {
        return state.get() != RUNNING || skipForward;
    }

    private void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * The joiner cannot keep up (consumer): stop replaying, drop the queued media, hand over. The consumer has made
     * its video streams wait for their next keyframe and queues no more media for it meanwhile.
     */
    public void skipForward() {
        skipped = true;
        skipForward = true;
        wake();
    }

    /**
     * The participant is being evicted: close its sink, but only after this thread's last call into it.
     * Whichever of the two threads comes last (this job finishing, or the request) does the close.
     */
    public void closeSinkWhenDone() {
        cancel();
        closeRequested = true;
        if (finished) {
            closeSinkOnce();
        }
    }

    private void closeSinkOnce() {
        if (sinkClosed.compareAndSet(false, true)) {
            try {
                sink.close();
            } catch (RuntimeException e) {
                // the connection is going away anyway
            }
        }
    }

    /**
     * Stops the job at the next packet (the participant left). If the job had already ended normally, its
     * queue is the consumer's again and this releases it; otherwise the job releases it as it ends.
     */
    public void cancel() {
        if (state.compareAndSet(RUNNING, CANCELLED)) {
            wake();
        } else if (state.get() == DONE) {
            queue.releaseAll();
        }
    }

    /** What queued behind the replay (the consumer takes over the rest after the hand-over). */
    public CatchUpQueue queue() {
        return queue;
    }

    /** Cached packets sent. */
    public int replayedPackets() {
        return replayedPackets;
    }

    public long replayedBytes() {
        return replayedBytes;
    }

    /** Live packets sent from the queue behind the replay. */
    public int caughtUpPackets() {
        return caughtUpPackets;
    }

    public long caughtUpBytes() {
        return caughtUpBytes;
    }

    /** Queued packets dropped moving forward. */
    public int skippedPackets() {
        return skippedPackets;
    }

    /** Whether the joiner was moved forward (consumer's own flag; read on the consumer). */
    public boolean skippedForward() {
        return skipped;
    }

    /** From the first packet to the end of the catch-up; read after the hand-over, like the counts. */
    public long durationNanos() {
        return durationNanos;
    }
}
