package io.kfrelay.cli;

import io.kfrelay.client.ClientListener;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.media.h264.AccessUnit;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes H.264 access units as one video stream, or as the layers of one simulcast source: one access unit per
 * frame, paced at a frame rate, with 90 kHz timestamps. Keyframes (IDR access units, with the SPS/PPS in front of
 * them) are flagged KEYFRAME.
 *
 * <p><b>Simulcast.</b> Given two or three layers (lowest quality first: the same pictures at different sizes), it
 * declares them as one source (SIMULCAST) and waits for the relay's acknowledgement before it sends any media: over
 * QUIC a layer's first datagram could otherwise overtake the declaration. All layers are paced on one clock: at each
 * frame time every layer sends its next access unit with the same timestamp, so they stay in step.
 *
 * <p><b>Keyframe requests</b> are answered per stream: when the relay asks for a keyframe of one layer and the
 * publisher loops, that layer (only) jumps to its next IDR access unit (the file is a loop anyway, so skipping
 * ahead loses nothing; the other layers keep their place, as an encoder would send an IDR on one layer only);
 * otherwise it notes the request. {@link #keyframeRequests(int)} counts them.
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
    /** How long the relay may take to acknowledge a simulcast declaration. */
    private static final Duration DECLARATION_TIMEOUT = Duration.ofSeconds(5);

    /**
     * One stream to publish.
     *
     * @param name   what the log calls it (a file name, say)
     * @param frames its access units, one per frame
     */
    public record Layer(String name, int streamId, List<AccessUnit> frames) {
        public Layer {
            if (streamId < 0 || streamId > 0xFFFF) {
                throw new IllegalArgumentException("stream ids are 0..65535, not " + streamId);
            }
            frames = List.copyOf(frames);
        }
    }

    private final List<Sender> layers;
    private final int fps;
    private final boolean loop;
    private final PrintWriter log;
    /** How long a delta may wait for the client to be writable before it is skipped; 0 = one frame interval. */
    private final long deltaPatienceNanos;
    private volatile boolean stopped;
    private volatile Throwable lastError;

    /**
     * Counts of what was sent, every layer together.
     *
     * @param frames         access units sent
     * @param keyframeJumps  times a layer jumped ahead to its next IDR to answer a keyframe request
     * @param skipped        delta frames not sent because the client stayed unwritable for a frame interval
     * @param connectionLost the relay closed the connection before the end (see {@link #lastError()})
     */
    public record Result(long frames, long keyframes, long packets, long bytes, long keyframeJumps, long skipped,
                         boolean connectionLost) {
    }

    public FilePublisher(List<AccessUnit> frames, int streamId, int fps, boolean loop, PrintWriter log) {
        this(frames, streamId, fps, loop, log, Duration.ZERO);
    }

    /**
     * @param deltaPatience how long a delta frame may wait for a client that is not writable before it is skipped;
     *                      zero means one frame interval (a live source). Tests that must not lose a frame to a
     *                      moment's stall of a busy machine wait longer; the stream is late then, not broken.
     */
    public FilePublisher(List<AccessUnit> frames, int streamId, int fps, boolean loop, PrintWriter log,
                         Duration deltaPatience) {
        this(List.of(new Layer("stream " + streamId, streamId, frames)), fps, loop, log, deltaPatience);
    }

    /**
     * One stream (one layer), or a simulcast source of two or three layers, lowest quality first, each with the same
     * number of frames.
     */
    public FilePublisher(List<Layer> layers, int fps, boolean loop, PrintWriter log, Duration deltaPatience) {
        if (layers.isEmpty() || layers.size() > Protocol.MAX_LAYERS) {
            throw new IllegalArgumentException("a source has 1.." + Protocol.MAX_LAYERS + " layers, not " + layers.size());
        }
        if (new HashSet<>(layers.stream().map(Layer::streamId).toList()).size() != layers.size()) {
            throw new IllegalArgumentException("each layer needs a stream id of its own: " + layers.stream().map(Layer::streamId).toList());
        }
        Layer first = layers.getFirst();
        for (Layer l : layers) {
            if (l.frames().isEmpty()) {
                throw new IllegalArgumentException("nothing to publish: no access units in " + l.name());
            }
            if (l.frames().size() != first.frames().size()) {
                throw new IllegalArgumentException("the layers of a simulcast source carry the same pictures, so the same"
                        + " number of frames: " + first.name() + " has " + first.frames().size() + ", " + l.name()
                        + " has " + l.frames().size());
            }
            if (loop && l.frames().stream().noneMatch(AccessUnit::keyframe)) {
                throw new IllegalArgumentException("cannot loop " + l.name()
                        + " without an IDR access unit: a receiver could never start decoding");
            }
        }
        if (fps < 1 || fps > 1000) {
            throw new IllegalArgumentException("fps must be 1..1000, was " + fps);
        }
        List<Sender> senders = new ArrayList<>(layers.size());
        for (Layer l : layers) {
            senders.add(new Sender(l));
        }
        this.layers = List.copyOf(senders);
        this.fps = fps;
        this.loop = loop;
        this.log = log;
        this.deltaPatienceNanos = deltaPatience.toNanos();
    }

    /** One layer's place in its frames and the keyframe requests it got (the listener's thread sets them). */
    private static final class Sender {
        final Layer layer;
        final AtomicLong requests = new AtomicLong();
        volatile boolean keyframeRequested;
        int index;

        Sender(Layer layer) {
            this.layer = layer;
        }

        AccessUnit frame() {
            return layer.frames().get(index);
        }
    }

    /** Whether this publishes a simulcast source (more than one layer). */
    public boolean simulcast() {
        return layers.size() > 1;
    }

    /** The stream ids published, lowest layer first. */
    public List<Integer> streamIds() {
        return layers.stream().map(s -> s.layer.streamId()).toList();
    }

    /** Keyframe requests the relay sent for {@code streamId} so far. */
    public long keyframeRequests(int streamId) {
        for (Sender s : layers) {
            if (s.layer.streamId() == streamId) {
                return s.requests.get();
            }
        }
        return 0;
    }

    /** Listener to pass to {@link KfRelayClient#connect} so the publisher hears keyframe requests. */
    public ClientListener listener() {
        return new ClientListener() {
            @Override
            public void onKeyframeRequest(int requested) {
                for (Sender s : layers) {
                    if (s.layer.streamId() == requested) {
                        s.requests.incrementAndGet();
                        s.keyframeRequested = true;
                    }
                }
            }

            @Override
            public void onRedirect(io.kfrelay.protocol.ControlMessage.Redirect redirect, java.net.URI target) {
                log.println(RedirectLine.of(redirect, target));
                log.flush();
            }

            @Override
            public void onReconnecting(Throwable cause) {
                log.println(ReconnectLine.lost(cause));
                log.flush();
            }

            @Override
            public void onReconnected(io.kfrelay.protocol.ControlMessage.Joined joined, String node, java.net.URI url,
                                      Duration after) {
                log.println(ReconnectLine.reconnected(node, url, after) + ", as participant " + joined.participantId());
                log.flush();
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
     * Sends the frames at the frame rate until the end of the list (or forever with loop, until {@link #stop}),
     * after declaring the layers of a simulcast source and waiting for the relay to take the declaration. Runs on
     * the calling thread.
     */
    public Result run(KfRelayClient client) throws InterruptedException {
        if (simulcast() && !declare(client)) {
            return new Result(0, 0, 0, 0, 0, 0, true);
        }
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / fps;
        long deltaWaitNanos = deltaPatienceNanos > 0 ? deltaPatienceNanos : intervalNanos;
        int length = layers.getFirst().layer.frames().size();
        long start = System.nanoTime();
        long slot = 0; // frame times passed: paces the loop and stamps the timestamps, sent or skipped
        long sent = 0;
        long skipped = 0;
        long keyframes = 0;
        long packets = 0;
        long bytes = 0;
        long jumps = 0;
        slots:
        while (!stopped && (loop || slot < length) && !client.isClosed()) {
            for (Sender s : layers) {
                jumps += answerKeyframeRequest(s) ? 1 : 0;
            }
            long due = start + slot * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                checkInterrupt();
            }
            long timestamp = slot * VIDEO_CLOCK_HZ / fps;
            for (Sender s : layers) {
                AccessUnit au = s.frame(); // index < size: it wraps when looping, ends the loop otherwise
                int n;
                while (true) {
                    // A keyframe waits as long as it takes (the stream cannot decode without it); a delta one interval.
                    boolean writable = awaitWritable(client, au.keyframe() ? Long.MAX_VALUE : deltaWaitNanos);
                    if (stopped || client.isClosed()) {
                        break slots;
                    }
                    n = 0;
                    if (writable) {
                        ByteBuf data = Unpooled.wrappedBuffer(au.buf(), au.offset(), au.length());
                        try {
                            n = client.publishFrame(s.layer.streamId(), Protocol.KIND_VIDEO, au.keyframe(), data, timestamp);
                        } catch (IllegalStateException closed) {
                            break slots; // the connection closed while we waited for this frame's time
                        }
                    }
                    // Not writable for a whole interval, or refused at the client's outbound cap: a keyframe is
                    // never skipped (it waits again), a delta is.
                    if (n > 0 || !au.keyframe()) {
                        break;
                    }
                }
                s.index = next(s.index, length);
                if (n == 0) {
                    skipped++;
                    continue;
                }
                packets += n;
                bytes += au.length();
                keyframes += au.keyframe() ? 1 : 0;
                sent++;
            }
            slot++;
        }
        return new Result(sent, keyframes, packets, bytes, jumps, skipped, client.isClosed());
    }

    /**
     * SIMULCAST, then the relay's acknowledgement. False if the relay refused it (it closes the connection, with
     * the reason in {@link #lastError()}) or did not answer in time (the connection is closed then too).
     */
    private boolean declare(KfRelayClient client) throws InterruptedException {
        int[] ids = streamIds().stream().mapToInt(Integer::intValue).toArray();
        try {
            client.declareSimulcast(ids).get(DECLARATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException refused) {
            if (lastError == null) {
                lastError = refused.getCause();
            }
        } catch (TimeoutException e) {
            lastError = new IOException("the relay did not acknowledge the simulcast declaration of streams "
                    + streamIds() + " within " + DECLARATION_TIMEOUT.toSeconds() + " s");
            client.close();
        } catch (IllegalStateException closed) {
            lastError = closed;
        }
        return false;
    }

    /** A keyframe was asked for this layer: jump to its next IDR when looping, else say where the next one is. */
    private boolean answerKeyframeRequest(Sender s) {
        if (!s.keyframeRequested) {
            return false;
        }
        s.keyframeRequested = false;
        if (s.frame().keyframe()) {
            return false;
        }
        List<AccessUnit> frames = s.layer.frames();
        int next = nextKeyframe(frames, s.index);
        if (loop) {
            log.printf("keyframe requested for stream %d: jumping ahead to the next IDR%n", s.layer.streamId());
            s.index = next;
            return true;
        }
        log.printf("keyframe requested for stream %d: the file's next IDR is %s%n", s.layer.streamId(),
                next < 0 ? "never (none left)" : (next - s.index) + " frames ahead");
        return false;
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
    private int next(int index, int length) {
        return loop ? (index + 1) % length : index + 1;
    }

    /** Index of the first keyframe at or after {@code index} (wrapping when looping), or -1. */
    private int nextKeyframe(List<AccessUnit> frames, int index) {
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
