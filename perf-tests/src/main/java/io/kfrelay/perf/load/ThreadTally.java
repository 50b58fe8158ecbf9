package io.kfrelay.perf.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What one client I/O thread received in the window: packets, bytes and a latency histogram. One per event
 * loop and written only by it, so recording is a histogram increment and two plain-read/release-write counter
 * updates: no contention, no allocation. The harness reads it from another thread.
 */
public final class ThreadTally {
    /** Latencies are recorded in microseconds up to a minute; longer ones are clamped (and would show as max). */
    public static final long MAX_LATENCY_US = 60_000_000L;

    private final SingleWriterRecorder latencyUs = new SingleWriterRecorder(1, MAX_LATENCY_US, 3);
    private final AtomicLong packets = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong replayed = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong gapsAnyReceiver = new AtomicLong();

    /**
     * A packet that was sent in the window: {@code latencyNanos} from its send stamp to now; {@code sequenceJump}
     * as {@link SequenceCheck#onPacket} said (packets missing before it, or -1 for a duplicate).
     */
    public void record(long latencyNanos, int packetBytes, int sequenceJump) {
        if (sequenceJump > 0) {
            gaps.setRelease(gaps.getPlain() + sequenceJump);
        } else if (sequenceJump < 0) {
            duplicates.setRelease(duplicates.getPlain() + 1);
        }
        long us = latencyNanos / 1000;
        latencyUs.recordValue(us < 0 ? 0 : Math.min(us, MAX_LATENCY_US));
        packets.setRelease(packets.getPlain() + 1);
        bytes.setRelease(bytes.getPlain() + packetBytes);
    }

    /**
     * Packets missing before a live packet of any receiver, measured or not, whenever it was sent: a joiner whose
     * live stream breaks right after its replay shows here even in a step that measures only others.
     */
    public void countGapAnyReceiver(int missing) {
        gapsAnyReceiver.setRelease(gapsAnyReceiver.getPlain() + missing);
    }

    /** A packet the relay replayed from its cache (not live, not counted as delivered). */
    public void countReplayed() {
        replayed.setRelease(replayed.getPlain() + 1);
    }

    public long packets() {
        return packets.getAcquire();
    }

    public long bytes() {
        return bytes.getAcquire();
    }

    public long replayed() {
        return replayed.getAcquire();
    }

    /** Packets missing in live sequences (the relay dropped them for this receiver). */
    public long gaps() {
        return gaps.getAcquire();
    }

    /** See {@link #countGapAnyReceiver}. */
    public long gapsAnyReceiver() {
        return gapsAnyReceiver.getAcquire();
    }

    /** Live packets that repeated or went back in sequence. */
    public long duplicates() {
        return duplicates.getAcquire();
    }

    /** Latencies recorded since the previous call (the recorder's interval); call from one thread only. */
    public Histogram takeLatencies() {
        return latencyUs.getIntervalHistogram();
    }
}
