package io.kfrelay.perf.media;

import java.time.Duration;

/**
 * What one synthetic publisher sends: a video stream of the given bitrate and frame rate with a keyframe of
 * {@code keyframeBytes} every {@code gop}, and optionally an audio stream of small frames at a fixed interval.
 *
 * @param audioFrameBytes 0 for no audio
 */
public record MediaProfile(long videoBitsPerSecond, int fps, Duration gop, int keyframeBytes,
                           int audioFrameBytes, Duration audioFrameInterval) {

    /** 2.5 Mbps, 30 fps, a 200 KB keyframe every 4 s (about 8.8 KB per delta frame), 40 kbps audio in 20 ms frames. */
    public static final MediaProfile LARGE_ROOM = new MediaProfile(2_500_000, 30, Duration.ofSeconds(4), 200_000,
            100, Duration.ofMillis(20));
    /** A meeting participant's camera: 1 Mbps, 30 fps, 60 KB keyframes every 4 s, and audio. */
    public static final MediaProfile MEETING = new MediaProfile(1_000_000, 30, Duration.ofSeconds(4), 60_000,
            100, Duration.ofMillis(20));
    /** The streams a join storm lands on: 1 Mbps, 30 fps, 200 KB keyframes every 4 s, and audio. */
    public static final MediaProfile JOIN_STORM = new MediaProfile(1_000_000, 30, Duration.ofSeconds(4), 200_000,
            100, Duration.ofMillis(20));

    public MediaProfile {
        if (videoBitsPerSecond <= 0 || fps <= 0 || fps > 240) {
            throw new IllegalArgumentException("video needs a positive bitrate and 1..240 fps");
        }
        if (gop.toMillis() * fps < 1000) {
            throw new IllegalArgumentException("a GOP must hold at least one frame");
        }
        if (keyframeBytes < SendStamp.BYTES || audioFrameBytes < 0) {
            throw new IllegalArgumentException("frames must hold at least the " + SendStamp.BYTES + "-byte stamp");
        }
        if (audioFrameBytes > 0 && audioFrameInterval.toMillis() <= 0) {
            throw new IllegalArgumentException("audio needs a positive frame interval");
        }
    }

    public boolean hasAudio() {
        return audioFrameBytes > 0;
    }

    public MediaProfile withVideoBitsPerSecond(long bps) {
        return new MediaProfile(bps, fps, gop, keyframeBytes, audioFrameBytes, audioFrameInterval);
    }
}
