package io.kfrelay.e2e;

import io.kfrelay.media.h264.AccessUnit;
import io.kfrelay.media.h264.AccessUnits;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Test video bigger than the committed sample clip: ffmpeg makes it on first use (a second or three) and it is
 * kept under {@code target/test-video/}, named by a hash of the encoder command, so a changed command makes a new
 * file. Each is H.264 High without B-frames at 30 fps, an IDR with SPS and PPS in front every GOP, and is checked
 * against its description when read (frame count, IDR positions and sizes, average rate): a different ffmpeg that
 * encodes differently fails loudly instead of testing something else. Without ffmpeg the calling test is skipped.
 */
enum TestVideo {
    /**
     * 12 s of a busy 1280x720 pattern at about 3 Mbit/s, an IDR every 4 s of 200-400 KB: ordinary 720p, bigger than a
     * 200 KB keyframe cap. testsrc2 alone codes into 30-40 KB IDRs; a static noise layer ({@code noise=alls=12}, fixed
     * seed) gives every picture fine detail, and {@code ipratio=3} lets the rate control spend it on the IDRs while
     * the deltas stay small, so the average stays near 3 Mbit/s.
     */
    HD_720P("1280x720", 12, 120, "3M", "6M", List.of("-vf", "noise=alls=12"), "repeat-headers=1:ipratio=3",
            200 * 1024, 400 * 1024, 2.5, 3.6),
    /**
     * 8 s of 640x360 at about 1 Mbit/s, an IDR every 2 s: a GOP of some 250 packets whose IDR is only about a dozen,
     * so with a few per cent loss most GOPs have a hole while most keyframes arrive whole.
     */
    SD_360P("640x360", 8, 60, "1M", "2M", List.of(), "repeat-headers=1", 8 * 1024, 24 * 1024, 0.8, 1.3),
    /** Simulcast layer 0: 320x180 at about 150 kbit/s, IDRs of a few KB. */
    LAYER_180P("320x180", 6, 60, "150k", "300k", List.of(), "repeat-headers=1", 1024, 8 * 1024, 0.1, 0.25),
    /** Simulcast layer 1: 640x360 at about 500 kbit/s. */
    LAYER_360P("640x360", 6, 60, "500k", "1M", List.of(), "repeat-headers=1", 4 * 1024, 24 * 1024, 0.35, 0.7),
    /** Simulcast layer 2: 1280x720 at about 1.5 Mbit/s, IDRs of some 20-30 KB (a GOP of some 300 packets). */
    LAYER_720P("1280x720", 6, 60, "1500k", "3M", List.of(), "repeat-headers=1", 12 * 1024, 64 * 1024, 1.1, 2.0);

    /**
     * The three layers of one simulcast source, lowest quality first: 6 s of the same pattern at three sizes and
     * rates, each with an IDR every 2 s on the same frames, as a simulcast encoder makes them. Small enough that
     * three at once are light work for a 2-core machine.
     */
    static final List<TestVideo> SIMULCAST = List.of(LAYER_180P, LAYER_360P, LAYER_720P);

    static final int FPS = 30;

    private final int seconds;
    private final int gopFrames;
    private final int minIdrBytes;
    private final int maxIdrBytes;
    private final double minMbit;
    private final double maxMbit;
    private final List<String> encode;
    private List<AccessUnit> units;

    TestVideo(String size, int seconds, int gopFrames, String rate, String bufsize, List<String> filter, String x264,
              int minIdrBytes, int maxIdrBytes, double minMbit, double maxMbit) {
        this.seconds = seconds;
        this.gopFrames = gopFrames;
        this.minIdrBytes = minIdrBytes;
        this.maxIdrBytes = maxIdrBytes;
        this.minMbit = minMbit;
        this.maxMbit = maxMbit;
        List<String> e = new ArrayList<>(List.of("-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=" + FPS,
                "-t", Integer.toString(seconds)));
        e.addAll(filter);
        e.addAll(List.of("-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high",
                "-bf", "0", "-g", Integer.toString(gopFrames), "-keyint_min", Integer.toString(gopFrames),
                "-sc_threshold", "0", "-b:v", rate, "-maxrate", rate, "-bufsize", bufsize,
                "-x264-params", x264, "-f", "h264"));
        this.encode = List.copyOf(e);
    }

    /** Frames between IDRs. */
    int gopFrames() {
        return gopFrames;
    }

    /** The access units, one per frame, checked. */
    synchronized List<AccessUnit> accessUnits() {
        if (units == null) {
            Path file = file();
            List<AccessUnit> read;
            try {
                read = AccessUnits.of(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            check(file, read);
            units = List.copyOf(read);
        }
        return units;
    }

    /** The Annex-B file, made now if it is not there yet. */
    Path file() {
        Ffmpeg.assumeInstalled();
        Path dir = Path.of("target", "test-video");
        Path file = dir.resolve(name().toLowerCase() + "-" + hash(encode) + ".h264");
        if (Files.isRegularFile(file)) {
            return file;
        }
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "encoding-", ".h264");
            List<String> args = new ArrayList<>(encode);
            args.add(tmp.toString());
            Ffmpeg.run(Duration.ofSeconds(120), args);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + file, e);
        }
    }

    /** Frame count, average rate and IDR sizes. */
    static String describe(List<AccessUnit> units) {
        return String.format("%d frames, %.2f Mbit/s, IDR access units of %s bytes", units.size(), mbitPerSecond(units),
                units.stream().filter(AccessUnit::keyframe).map(AccessUnit::length).toList());
    }

    private void check(Path file, List<AccessUnit> read) {
        String what = file + ": " + describe(read);
        if (read.size() != seconds * FPS) {
            throw new AssertionError(what + ": expected " + seconds * FPS + " frames");
        }
        for (int i = 0; i < read.size(); i++) {
            AccessUnit au = read.get(i);
            if (au.keyframe() != (i % gopFrames == 0)) {
                throw new AssertionError(what + ": frame " + i + (au.keyframe() ? " is" : " is not") + " an IDR");
            }
            if (au.keyframe() && (au.length() < minIdrBytes || au.length() > maxIdrBytes || !au.hasParameterSets())) {
                throw new AssertionError(what + ": IDR " + i + " is not " + minIdrBytes + "-" + maxIdrBytes
                        + " bytes with SPS and PPS in front (tune the encoder settings)");
            }
        }
        double mbit = mbitPerSecond(read);
        if (mbit < minMbit || mbit > maxMbit) {
            throw new AssertionError(what + ": expected " + minMbit + "-" + maxMbit + " Mbit/s");
        }
    }

    private static double mbitPerSecond(List<AccessUnit> units) {
        return units.stream().mapToLong(AccessUnit::length).sum() * 8.0 * FPS / units.size() / 1e6;
    }

    private static String hash(List<String> args) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest(String.join("\u0000", args).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
