package io.kfrelay.media.h264;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The committed test clip, io/src/test/resources/media/sample.h264 (see the README next to it). */
public final class SampleStream {
    private SampleStream() {
    }

    public static byte[] bytes() {
        try (InputStream in = SampleStream.class.getResourceAsStream("/media/sample.h264")) {
            if (in == null) {
                throw new IllegalStateException("test resource /media/sample.h264 is missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
