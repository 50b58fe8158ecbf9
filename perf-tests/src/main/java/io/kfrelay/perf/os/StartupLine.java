package io.kfrelay.perf.os;

import java.net.URI;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds where the relay listens in what {@code kfrelay serve} prints once it is up:
 * {@code kfrelay serving ws://127.0.0.1:41234/kfrelay (transport io_uring, cache keyframe, 1 shard)}.
 * The relay is started on port 0, so this line is the only place the real port shows.
 */
public final class StartupLine {
    private static final Pattern URL = Pattern.compile("\\b(ws|quic)://([^\\s/]+:\\d+)(/[^\\s,)]*)?");

    private StartupLine() {
    }

    /** The first {@code scheme://host:port[/path]} of that scheme in {@code line}, if it says "serving". */
    public static Optional<URI> find(String line, String scheme) {
        if (!line.contains("serving")) {
            return Optional.empty();
        }
        Matcher m = URL.matcher(line);
        while (m.find()) {
            if (m.group(1).equals(scheme)) {
                return Optional.of(URI.create(m.group()));
            }
        }
        return Optional.empty();
    }
}
