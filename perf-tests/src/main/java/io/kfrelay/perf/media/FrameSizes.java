package io.kfrelay.perf.media;

/**
 * Frame sizes that make a {@link MediaProfile} come out at its bitrate: every GOP is one keyframe plus
 * {@code framesPerGop - 1} equal delta frames, so {@code keyframe + (framesPerGop - 1) * delta} is the GOP's byte
 * budget. Every size is adjusted so that each packet's payload holds the {@link SendStamp}.
 */
public record FrameSizes(int keyframeBytes, int deltaBytes, int audioBytes, int framesPerGop, int maxPayload) {
    /** Smallest delta frame, for a bitrate too low to pay for its keyframes. */
    public static final int MIN_DELTA_BYTES = 200;

    public static FrameSizes of(MediaProfile p, int maxPayload) {
        int framesPerGop = (int) Math.max(1, Math.round(p.gop().toNanos() / 1e9 * p.fps()));
        double gopBytes = p.videoBitsPerSecond() / 8.0 * p.gop().toNanos() / 1e9;
        int delta = framesPerGop == 1 ? MIN_DELTA_BYTES
                : (int) Math.max(MIN_DELTA_BYTES, Math.floor((gopBytes - p.keyframeBytes()) / (framesPerGop - 1)));
        int audio = p.hasAudio() ? fit(p.audioFrameBytes(), maxPayload) : 0;
        return new FrameSizes(fit(p.keyframeBytes(), maxPayload), fit(delta, maxPayload), audio, framesPerGop, maxPayload);
    }

    /**
     * {@code length}, grown by at most {@code SendStamp.BYTES - 1} bytes so that no packet of the frame (the last
     * one is the short one) has a payload smaller than the stamp.
     */
    public static int fit(int length, int maxPayload) {
        if (maxPayload < SendStamp.BYTES) {
            throw new IllegalArgumentException("packets must carry at least " + SendStamp.BYTES + " payload bytes");
        }
        if (length < SendStamp.BYTES) {
            return SendStamp.BYTES;
        }
        int last = length % maxPayload;
        return last != 0 && last < SendStamp.BYTES ? length + SendStamp.BYTES - last : length;
    }

    /** Packets a frame of {@code length} bytes becomes. */
    public int packets(int length) {
        return Math.max(1, (length + maxPayload - 1) / maxPayload);
    }

    /** The video bitrate these sizes give at {@code fps}, in bits per second. */
    public double videoBitsPerSecond(int fps) {
        double gopBytes = keyframeBytes + (double) (framesPerGop - 1) * deltaBytes;
        return gopBytes * 8 * fps / framesPerGop;
    }

    /** Largest frame: the size of the buffer a publisher needs. */
    public int largestFrame() {
        return Math.max(Math.max(keyframeBytes, deltaBytes), audioBytes);
    }
}
