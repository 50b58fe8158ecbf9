package io.kfrelay.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** ffmpeg as the tests use it: to make test video, and to say whether a recording decodes. */
final class Ffmpeg {
    private Ffmpeg() {
    }

    /** Skips the calling test (an unmet precondition, not a pass) where ffmpeg is not installed. */
    static void assumeInstalled() {
        assumeTrue(ExternalCommand.run(Duration.ofSeconds(10), "ffmpeg", "-version").ok(),
                "needs ffmpeg on PATH (.ci/install-test-deps installs it)");
    }

    /**
     * What {@code ffmpeg -v error -i FILE -f null -} says about an H.264 Annex-B file: nothing when every frame
     * decodes. It does not notice a whole frame missing (it conceals that without a word), so tests pair it with
     * {@link io.kfrelay.media.h264.H264Validator}, which does.
     */
    static String decodeErrors(Path annexB) {
        ExternalCommand c = ExternalCommand.run(Duration.ofSeconds(60), "ffmpeg", "-nostdin", "-v", "error",
                "-f", "h264", "-i", annexB.toString(), "-f", "null", "-");
        return c.ok() ? c.output() : c.toString();
    }

    /**
     * What {@code ffmpeg -v error -i FILE -f null -} says about an Ogg Opus file (the container and every packet
     * demuxed and decoded by ffmpeg's own Opus decoder): nothing when all is well.
     */
    static String audioDecodeErrors(Path oggOpus) {
        ExternalCommand c = ExternalCommand.run(Duration.ofSeconds(60), "ffmpeg", "-nostdin", "-v", "error",
                "-i", oggOpus.toString(), "-f", "null", "-");
        return c.ok() ? c.output() : c.toString();
    }

    /** The duration ffprobe gives a file (its container's), in seconds. */
    static double durationSeconds(Path file) {
        return Double.parseDouble(ExternalCommand.require(Duration.ofSeconds(30), "ffprobe", "-v", "error",
                "-show_entries", "format=duration", "-of", "default=noprint_wrappers=1:nokey=1", file.toString()).trim());
    }

    /** Runs ffmpeg with {@code args} (quietly, without a terminal) and fails unless it succeeds. */
    static void run(Duration limit, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-nostdin", "-v", "error", "-y"));
        cmd.addAll(args);
        ExternalCommand c = ExternalCommand.run(limit, cmd);
        if (!c.ok()) {
            throw new AssertionError(c.toString());
        }
    }
}
