package io.kfrelay.e2e;

import io.kfrelay.media.h264.AccessUnit;
import io.kfrelay.media.h264.AccessUnits;
import io.kfrelay.media.h264.H264Validator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether a recorded H.264 stream (or its first frames) decodes: what {@code ffmpeg -v error} prints (it must
 * print nothing) and what {@link H264Validator} finds (ffmpeg conceals a missing frame without a word; the validator
 * sees the frame_num jump).
 *
 * @param frames       access units checked
 * @param ffmpegErrors ffmpeg's output, empty when it decoded without an error
 */
record Decoding(int frames, String ffmpegErrors, H264Validator.Report report) {

    /** The whole file. */
    static Decoding of(Path annexB) throws IOException {
        if (!Files.isRegularFile(annexB)) {
            return new Decoding(0, "no file " + annexB, H264Validator.validate(new byte[0]));
        }
        byte[] bytes = Files.readAllBytes(annexB);
        return new Decoding(AccessUnits.of(bytes).size(), Ffmpeg.decodeErrors(annexB), H264Validator.validate(bytes));
    }

    /** Its first {@code frames} access units, written to {@code scratch} for ffmpeg. */
    static Decoding ofFirstFrames(Path annexB, int frames, Path scratch) throws IOException {
        if (!Files.isRegularFile(annexB)) {
            return new Decoding(0, "no file " + annexB, H264Validator.validate(new byte[0]));
        }
        List<AccessUnit> units = AccessUnits.of(Files.readAllBytes(annexB));
        ByteArrayOutputStream prefix = new ByteArrayOutputStream();
        for (AccessUnit au : units.subList(0, Math.min(frames, units.size()))) {
            prefix.write(au.buf(), au.offset(), au.length());
        }
        Files.write(scratch, prefix.toByteArray());
        return new Decoding(Math.min(frames, units.size()), Ffmpeg.decodeErrors(scratch),
                H264Validator.validate(prefix.toByteArray()));
    }

    boolean clean() {
        return ffmpegErrors.isEmpty() && report.valid();
    }

    @Override
    public String toString() {
        return frames + " frames " + (clean() ? "decode cleanly"
                : "do NOT decode cleanly: ffmpeg " + (ffmpegErrors.isEmpty() ? "silent" : firstLines(ffmpegErrors))
                + "; validator: " + report.pictures() + " pictures, " + report.problemCount() + " problems, first: "
                + report.problems().subList(0, Math.min(3, report.problems().size())));
    }

    private static String firstLines(String text) {
        List<String> lines = text.lines().toList();
        List<String> first = lines.subList(0, Math.min(3, lines.size()));
        return lines.size() + " error lines, first: '" + String.join("' '", first) + "'";
    }
}
