package io.kfrelay.perf.load;

import io.kfrelay.client.KfRelayClient;
import io.kfrelay.perf.media.FrameSizes;
import io.kfrelay.perf.media.KeyframeDelay;
import io.kfrelay.perf.media.MediaProfile;
import io.kfrelay.perf.media.Pacing;
import io.kfrelay.perf.media.SendStamp;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One synthetic audio or video stream of a publisher, driven by its loop's {@link PublishScheduler}: frames of
 * the profile's sizes at its rate, each stamped with its send time in every packet. Like an encoder it starts a
 * new GOP when the relay asks for a keyframe, after its encoder delay ({@link GopClock}). With {@link Pacing} video
 * frames wait in a queue and leave one packet at a time at the pacing rate, each packet stamped as it leaves. Touched
 * only by the event loop its client runs on (the scheduler and the client's keyframe-request callback share that
 * thread); the harness reads the counters.
 */
public final class SyntheticStream {
    public static final int VIDEO_STREAM_ID = 1;
    public static final int AUDIO_STREAM_ID = 2;
    /** A simulcast source's id: its first (lowest) layer's stream; the higher layers follow it. */
    public static final int SIMULCAST_SOURCE_ID = 10;

    private final KfRelayClient client;
    private final int streamId;
    private final int kind;
    private final int maxPayload;
    private final MeasureWindow window;
    private final RunCounters counters;
    private final Pacing pacing;
    /** Paced video: frames generated and not yet sent out completely, oldest first. */
    private final ArrayDeque<PendingFrame> pending = new ArrayDeque<>();
    /** Bytes of the oldest pending frame already sent. */
    private int sentOfFrame;
    private long nextFrameNanos;
    private long nextPacketNanos;
    private MediaProfile profile;
    private FrameSizes sizes;
    private long intervalNanos;
    /** The frame bytes, reused for every frame: only the stamps change (publishFrame only reads it). */
    private ByteBuf frame;
    private long frameIndex;
    private final GopClock gop;
    private boolean dead;
    long nextDueNanos;

    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong keyframes = new AtomicLong();
    private final AtomicLong requestedKeyframes = new AtomicLong();
    private final AtomicLong skippedUnwritable = new AtomicLong();
    private final AtomicLong skippedLate = new AtomicLong();
    private final AtomicLong windowPackets = new AtomicLong();

    public SyntheticStream(KfRelayClient client, int streamId, int kind, MediaProfile profile, MeasureWindow window,
                           RunCounters counters, Pacing pacing) {
        this(client, streamId, kind, profile, window, counters, pacing, KeyframeDelay.NEXT_FRAME, 0);
    }

    /**
     * @param keyframeDelay how long this stream's "encoder" takes to answer a keyframe request
     * @param gopPhase      0..1: the first keyframe is followed by a GOP shortened by this share, so that streams
     *                      started together (a source's layers) do not send their periodic keyframes together
     */
    public SyntheticStream(KfRelayClient client, int streamId, int kind, MediaProfile profile, MeasureWindow window,
                           RunCounters counters, Pacing pacing, KeyframeDelay keyframeDelay, double gopPhase) {
        if (!(gopPhase >= 0 && gopPhase < 1)) {
            throw new IllegalArgumentException("a GOP phase is in [0, 1), was " + gopPhase);
        }
        this.client = client;
        this.pacing = kind == Protocol.KIND_VIDEO ? pacing : Pacing.BURST;
        this.counters = counters;
        this.streamId = streamId;
        this.kind = kind;
        this.maxPayload = client.options().maxPayloadBytes();
        this.window = window;
        retarget(profile);
        this.gop = new GopClock(sizes.framesPerGop(), (int) Math.round(gopPhase * (sizes.framesPerGop() - 1)),
                keyframeDelay);
    }

    /** Switches to another profile from the next frame on (the saturation scenario's load steps); loop thread. */
    void retarget(MediaProfile p) {
        profile = p;
        sizes = FrameSizes.of(p, maxPayload);
        if (gop != null) {
            gop.framesPerGop(sizes.framesPerGop());
        }
        intervalNanos = kind == Protocol.KIND_VIDEO ? 1_000_000_000L / p.fps() : p.audioFrameInterval().toNanos();
        if (frame == null || frame.capacity() < sizes.largestFrame()) {
            frame = Unpooled.buffer(sizes.largestFrame());
            for (int i = 0; i < frame.capacity(); i++) {
                frame.setByte(i, i * 31);
            }
        }
    }

    public int streamId() {
        return streamId;
    }

    public int kind() {
        return kind;
    }

    public MediaProfile profile() {
        return profile;
    }

    boolean isDead() {
        return dead;
    }

    /**
     * The relay asked for a keyframe (a subscriber joined, switched layers or lost packets): the first frame after
     * the encoder delay starts a GOP ({@link GopClock}).
     */
    void requestKeyframe() {
        if (kind == Protocol.KIND_VIDEO) {
            requestedKeyframes.setRelease(requestedKeyframes.getPlain() + 1);
            gop.request(System.nanoTime(), ThreadLocalRandom.current());
        }
    }

    long intervalNanos() {
        return intervalNanos;
    }

    /** Starts the frame clock at {@code now}; the scheduler's thread. */
    void start(long now) {
        nextFrameNanos = now;
        nextDueNanos = now;
    }

    /**
     * Does what is due: the next frame if its time has come (sent whole, or queued for the pacer), then the paced
     * packets whose time has come; moves {@link #nextDueNanos} on. Frames missed by more than one interval are
     * skipped.
     */
    void publishDue() {
        long now = System.nanoTime();
        if (now - nextFrameNanos >= 0) {
            long behind = (now - nextFrameNanos) / intervalNanos;
            if (behind >= 1) {
                // The loop fell behind (an overloaded harness): drop those frames as an encoder would, and say so.
                skippedLate.setRelease(skippedLate.getPlain() + behind);
                frameIndex += behind;
                if (kind == Protocol.KIND_VIDEO) {
                    gop.skip(behind);
                }
                nextFrameNanos += behind * intervalNanos;
            }
            nextFrame(now);
            nextFrameNanos += intervalNanos;
        }
        if (!pending.isEmpty()) {
            sendPacedPackets();
        }
        nextDueNanos = pending.isEmpty() ? nextFrameNanos : Math.min(nextFrameNanos, nextPacketNanos);
    }

    private void nextFrame(long now) {
        boolean video = kind == Protocol.KIND_VIDEO;
        boolean key = video && gop.nextFrame(now);
        long timestamp = video ? frameIndex * 90_000 / profile.fps()
                : frameIndex * 48 * profile.audioFrameInterval().toMillis();
        frameIndex++;
        if (!client.isWritable()) {
            // The relay is not reading fast enough: a real sender would not queue without bound either.
            skippedUnwritable.setRelease(skippedUnwritable.getPlain() + 1);
            if (key) {
                gop.keyframeLost(now);
            }
            return;
        }
        int length = !video ? sizes.audioBytes() : key ? sizes.keyframeBytes() : sizes.deltaBytes();
        frames.setRelease(frames.getPlain() + 1);
        if (key) {
            keyframes.setRelease(keyframes.getPlain() + 1);
        }
        if (pacing.paced()) {
            if (pending.isEmpty()) {
                nextPacketNanos = Math.max(nextPacketNanos, now); // an idle pacer saves no budget up
            }
            pending.add(new PendingFrame(length, key, timestamp));
            return;
        }
        long stamp = System.nanoTime();
        SendStamp.stampChunks(frame, length, maxPayload, stamp);
        send(key, timestamp, 0, length, true, stamp);
    }

    /** Sends the paced packets that are due, one packet-sized slice of the oldest pending frame at a time. */
    private void sendPacedPackets() {
        long bitrate = profile.videoBitsPerSecond();
        while (!pending.isEmpty() && System.nanoTime() - nextPacketNanos >= 0) {
            PendingFrame f = pending.peek();
            int length = Math.min(maxPayload, f.length() - sentOfFrame);
            long stamp = System.nanoTime();
            frame.setLong(sentOfFrame, stamp);
            boolean last = sentOfFrame + length == f.length();
            boolean sent = send(f.key(), f.timestamp(), sentOfFrame, length, last, stamp);
            nextPacketNanos += pacing.packetNanos(length + MediaHeader.LENGTH, bitrate);
            sentOfFrame += length;
            if (last || !sent) {
                pending.poll();
                sentOfFrame = 0;
            }
            if (!sent) {
                return;
            }
        }
    }

    /** Hands bytes [offset, offset+length) of the frame buffer to the client as one slice; false if it did not go. */
    private boolean send(boolean key, long timestamp, int offset, int length, boolean endsFrame, long stamp) {
        frame.setIndex(offset, offset + length);
        int packets;
        try {
            packets = client.publishSlice(streamId, kind, key, frame, timestamp, offset == 0, endsFrame);
        } catch (IllegalStateException closed) {
            dead = true; // the client was closed (the end of a run, or the warm-up room)
            return false;
        } catch (RuntimeException e) {
            dead = true;
            counters.error("stream " + streamId + " stopped publishing", e);
            return false;
        }
        if (packets == 0) {
            // Refused at the client's outbound cap: the frame is broken, so start over at a keyframe.
            skippedUnwritable.setRelease(skippedUnwritable.getPlain() + 1);
            if (kind == Protocol.KIND_VIDEO) {
                gop.keyframeLost(System.nanoTime());
            }
            return false;
        }
        if (packets != sizes.packets(length)) {
            // The transport packetizes smaller than the stamps assume (a QUIC datagram limit): receivers would
            // read payload bytes as send times. Better no figures than wrong ones.
            dead = true;
            counters.error("stream " + streamId + " stopped publishing", new IllegalStateException(
                    "a frame of " + length + " bytes became " + packets + " packets, not " + sizes.packets(length)
                            + ": the transport carries less than " + maxPayload + " payload bytes per packet"));
            return false;
        }
        if (window.contains(stamp)) {
            windowPackets.setRelease(windowPackets.getPlain() + packets);
        }
        return true;
    }

    /** A paced frame waiting for the pacer. */
    private record PendingFrame(int length, boolean key, long timestamp) {
    }

    /** Counters of one stream, read by the harness. */
    public record Counters(long frames, long keyframes, long requestedKeyframes, long skippedUnwritable,
                           long skippedLate, long windowPackets) {
        public Counters minus(Counters o) {
            return new Counters(frames - o.frames, keyframes - o.keyframes, requestedKeyframes - o.requestedKeyframes,
                    skippedUnwritable - o.skippedUnwritable, skippedLate - o.skippedLate, windowPackets - o.windowPackets);
        }

        public Counters plus(Counters o) {
            return new Counters(frames + o.frames, keyframes + o.keyframes, requestedKeyframes + o.requestedKeyframes,
                    skippedUnwritable + o.skippedUnwritable, skippedLate + o.skippedLate, windowPackets + o.windowPackets);
        }

        public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0);
    }

    public Counters counters() {
        return new Counters(frames.getAcquire(), keyframes.getAcquire(), requestedKeyframes.getAcquire(),
                skippedUnwritable.getAcquire(), skippedLate.getAcquire(), windowPackets.getAcquire());
    }
}
