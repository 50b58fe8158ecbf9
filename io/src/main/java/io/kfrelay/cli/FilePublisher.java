package io.kfrelay.cli;

import io.kfrelay.client.ClientListener;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.media.h264.AccessUnit;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes H.264 access units as one video stream, one access unit per frame, paced at a frame rate, with
 * 90 kHz timestamps. Keyframes (IDR access units, with the SPS/PPS in front of them) are flagged KEYFRAME.
 * When the relay asks for a keyframe and the publisher loops, it jumps to the next IDR access unit
 * (the file is a loop anyway, so skipping ahead loses nothing); otherwise it notes the request.
 *
 * <p>A relay that does not keep up gets no unbounded backlog: while the client is not writable, the publisher
 * waits for it up to one frame interval (or the patience it was given), then skips the frame if it is a delta
 * (counted in {@link Result#skipped()}; the stream decodes again from the next keyframe). A keyframe is never
 * skipped: it waits until the client takes it.
 */
public final class FilePublisher {
    private static final long VIDEO_CLOCK_HZ = 90_000;
    /** How often a publisher waiting for the client to be writable looks again. */
    private static final long WRITABLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final List<AccessUnit> frames;
    private final int streamId;
    private final int fps;
    private final boolean loop;
    private final PrintWriter log;
    /** How long a delta may wait for the client to be writable before it is skipped; 0 = one frame interval. */
    private final long deltaPatienceNanos;
    private volatile boolean keyframeRequested;
    private volatile boolean stopped;
    private volatile Throwable lastError;

    /**
     * Counts of what was sent.
     *
     * @param skipped        delta frames not sent because the client stayed unwritable for a frame interval
     * @param connectionLost the relay closed the connection before the end (see {@link #lastError()})
     */
    public record Result(long frames, long keyframes, long packets, long bytes, long keyframeJumps, long skipped,
                         boolean connectionLost) {
    }

    public FilePublisher(List<AccessUnit> frames, int streamId, int fps, boolean loop, PrintWriter log) {
        this(frames, streamId, fps, loop, log, java.time.Duration.ZERO);
    }

    /**
     * @param deltaPatience how long a delta frame may wait for a client that is not writable before it is skipped;
     *                      zero means one frame interval (a live source). Tests that must not lose a frame to a
     *                      moment's stall of a busy machine wait longer; the stream is late then, not broken.
     */
    public FilePublisher(List<AccessUnit> frames, int streamId, int fps, boolean loop, PrintWriter log,
                         java.time.Duration deltaPatience) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("nothing to publish: no access units");
        }
        if (fps < 1 || fps > 1000) {
            throw new IllegalArgumentException("fps must be 1..1000, was " + fps);
        }
        if (loop && frames.stream().noneMatch(AccessUnit::keyframe)) {
            throw new IllegalArgumentException("cannot loop a stream without an IDR access unit: a receiver could never start decoding");
        }
        this.frames = List.copyOf(frames);
        this.streamId = streamId;
        this.fps = fps;
        this.loop = loop;
        this.log = log;
        this.deltaPatienceNanos = deltaPatience.toNanos();
    }

    /** Listener to pass to {@link KfRelayClient#connect} so the publisher hears keyframe requests. */
    public ClientListener listener() {
        return new ClientListener() {
            @Override
            public void onKeyframeRequest(int requested) {
                if (requested == streamId) {
                    keyframeRequested = true;
                }
            }

            @Override
            public void onError(Throwable error) {
                lastError = error;
            }
        };
    }

    /** The last error the client reported (an ERROR from the relay, say), or null. */
    public Throwable lastError() {
        return lastError;
    }

    /** Makes {@link #run} return after the frame it is sending. Thread-safe. */
    public void stop() {
        stopped = true;
    }

    /**
     * Sends the frames at the frame rate until the end of the list (or forever with loop, until {@link #stop}).
     * Runs on the calling thread.
     */
    public Result run(KfRelayClient client) throws InterruptedException {
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / fps;
        long deltaWaitNanos = deltaPatienceNanos > 0 ? deltaPatienceNanos : intervalNanos;
        long start = System.nanoTime();
        long slot = 0; // frame times passed: paces the loop and stamps the timestamps, sent or skipped
        long sent = 0;
        long skipped = 0;
        long keyframes = 0;
        long packets = 0;
        long bytes = 0;
        long jumps = 0;
        int index = 0;
        while (!stopped && (loop || index < frames.size()) && !client.isClosed()) {
            if (keyframeRequested) {
                keyframeRequested = false;
                if (!frames.get(index).keyframe()) {
                    int next = nextKeyframe(index);
                    if (loop) {
                        log.printf("keyframe requested for stream %d: jumping ahead to the next IDR%n", streamId);
                        index = next;
                        jumps++;
                    } else {
                        log.printf("keyframe requested for stream %d: the file's next IDR is %s%n", streamId,
                                next < 0 ? "never (none left)" : (next - index) + " frames ahead");
                    }
                }
            }
            long due = start + slot * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                checkInterrupt();
            }
            AccessUnit au = frames.get(index); // index < size: it wraps when looping, ends the loop otherwise
            // A keyframe waits as long as it takes (the stream cannot decode without it); a delta one interval.
            boolean writable = awaitWritable(client, au.keyframe() ? Long.MAX_VALUE : deltaWaitNanos);
            if (stopped || client.isClosed()) {
                break;
            }
            int n = 0;
            if (writable) {
                ByteBuf data = Unpooled.wrappedBuffer(au.buf(), au.offset(), au.length());
                try {
                    n = client.publishFrame(streamId, Protocol.KIND_VIDEO, au.keyframe(), data,
                            slot * VIDEO_CLOCK_HZ / fps);
                } catch (IllegalStateException closed) {
                    break; // the connection closed while we waited for this frame's time
                }
            }
            if (n == 0) { // not writable for a whole interval, or refused at the client's outbound cap
                if (au.keyframe()) {
                    continue; // never skipped: wait for it again
                }
                skipped++;
                slot++;
                index = next(index);
                continue;
            }
            packets += n;
            bytes += au.length();
            keyframes += au.keyframe() ? 1 : 0;
            sent++;
            slot++;
            index = next(index);
        }
        return new Result(sent, keyframes, packets, bytes, jumps, skipped, client.isClosed());
    }

    /** Waits up to {@code limitNanos} for the client to be writable; false if it is not (or we were stopped). */
    private boolean awaitWritable(KfRelayClient client, long limitNanos) throws InterruptedException {
        long start = System.nanoTime();
        while (!client.isWritable()) {
            if (stopped || client.isClosed() || System.nanoTime() - start >= limitNanos) {
                return false;
            }
            LockSupport.parkNanos(WRITABLE_POLL_NANOS);
            checkInterrupt();
        }
        return true;
    }

    private static void checkInterrupt() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /** The access unit after {@code index}: wraps when looping, runs off the end otherwise. */
    private int next(int index) {
        return loop ? (index + 1) % frames.size() : index + 1;
    }

    /** Index of the first keyframe at or after {@code index} (wrapping when looping), or -1. */
    private int nextKeyframe(int index) {
        int n = frames.size();
        for (int i = 0; i < (loop ? n : n - index); i++) {
            int at = loop ? (index + i) % n : index + i;
            if (frames.get(at).keyframe()) {
                return at;
            }
        }
        return -1;
    }
}
