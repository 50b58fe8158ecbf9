package io.kfrelay.replay;

import io.kfrelay.cache.ReplaySnapshot;
import io.kfrelay.egress.ParticipantSink;

import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Sends one joiner its replay snapshot, paced by a token bucket (a burst, then a steady rate), on its own
 * virtual thread so the consumer never waits for a joiner. When done (or cancelled) it frees the snapshot
 * and reports through {@code onDone}, which hands the joiner back to the consumer via the ring.
 */
public final class ReplayJob implements Runnable {
    private final ParticipantSink sink;
    private final ReplaySnapshot snapshot;
    private final long bytesPerSecond;
    private final long burstBytes;
    private final Consumer<ReplayJob> onDone;
    private volatile boolean cancelled;
    private volatile boolean closeRequested;
    private volatile boolean finished;
    private final java.util.concurrent.atomic.AtomicBoolean sinkClosed = new java.util.concurrent.atomic.AtomicBoolean();
    // Written by the replay thread; read by the consumer after the ring hand-over (happens-before).
    private int sentPackets;
    private long sentBytes;
    private long startNanos;
    private long durationNanos;

    public ReplayJob(ParticipantSink sink, ReplaySnapshot snapshot, long bytesPerSecond, long burstBytes,
                     Consumer<ReplayJob> onDone) {
        this.sink = sink;
        this.snapshot = snapshot;
        this.bytesPerSecond = bytesPerSecond;
        this.burstBytes = burstBytes;
        this.onDone = onDone;
    }

    /** Starts the job on a new virtual thread. */
    public ReplayJob start(String name) {
        Thread.ofVirtual().name(name).start(this);
        return this;
    }

    @Override
    public void run() {
        try {
            long start = System.nanoTime();
            startNanos = start;
            long sent = 0;
            for (int i = 0, n = snapshot.packetCount(); i < n && !cancelled; i++) {
                long allowed = burstBytes + (System.nanoTime() - start) * bytesPerSecond / 1_000_000_000L;
                if (sent > allowed) {
                    // Out of tokens: push out what is queued, then sleep until the bucket covers the debt.
                    sink.flush();
                    LockSupport.parkNanos((sent - allowed) * 1_000_000_000L / bytesPerSecond);
                    if (cancelled) {
                        break;
                    }
                }
                sink.sendMedia(snapshot.packet(i));
                sent += snapshot.length(i);
                sentPackets++;
            }
            sentBytes = sent;
            if (!cancelled) {
                sink.flush();
            }
        } catch (RuntimeException e) {
            // The sink broke (connection gone): nothing more to send; the leave cleans up.
        } finally {
            durationNanos = System.nanoTime() - startNanos;
            snapshot.close();
            finished = true;
            if (closeRequested) {
                closeSinkOnce();
            }
            onDone.accept(this);
        }
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

    /** Stops the replay at the next packet (the participant left). */
    public void cancel() {
        cancelled = true;
    }

    public int sentPackets() {
        return sentPackets;
    }

    public long sentBytes() {
        return sentBytes;
    }

    /** From the first packet to the last (pacing included); read after the hand-over, like the counts. */
    public long durationNanos() {
        return durationNanos;
    }
}
