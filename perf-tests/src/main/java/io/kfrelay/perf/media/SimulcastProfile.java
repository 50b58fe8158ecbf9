package io.kfrelay.perf.media;

import java.time.Duration;
import java.util.List;

/**
 * What one simulcast publisher sends of its camera: one video source as up to three layers, lowest quality first,
 * each an ordinary video stream of its own (own bitrate, own keyframes). No audio: it plays no part in layers.
 */
public record SimulcastProfile(List<MediaProfile> layers) {
    private static final Duration GOP = Duration.ofSeconds(4);

    /**
     * A 720p camera the way libwebrtc's default simulcast ladder sends it (its target bitrates for a 1280x720
     * source): 320x180 at 150 kbps with 8 KB keyframes, 640x360 at 500 kbps with 25 KB keyframes, 1280x720 at
     * 2.5 Mbps with 100 KB keyframes, all 30 fps with a keyframe every 4 s (about ten average frames each).
     */
    public static final SimulcastProfile CAMERA_720P = new SimulcastProfile(List.of(
            new MediaProfile(150_000, 30, GOP, 8_000, 0, Duration.ZERO),
            new MediaProfile(500_000, 30, GOP, 25_000, 0, Duration.ZERO),
            new MediaProfile(2_500_000, 30, GOP, 100_000, 0, Duration.ZERO)));

    public SimulcastProfile {
        if (layers.isEmpty() || layers.size() > 3) {
            throw new IllegalArgumentException("a simulcast source has 1..3 layers, not " + layers.size());
        }
        if (layers.stream().anyMatch(MediaProfile::hasAudio)) {
            throw new IllegalArgumentException("simulcast layers are video only");
        }
        layers = List.copyOf(layers);
    }

    public int layerCount() {
        return layers.size();
    }

    /** Every layer's video bitrate added up: what the publisher sends. */
    public long videoBitsPerSecond() {
        return layers.stream().mapToLong(MediaProfile::videoBitsPerSecond).sum();
    }
}
