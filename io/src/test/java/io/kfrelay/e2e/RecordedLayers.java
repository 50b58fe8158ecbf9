package io.kfrelay.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A recording's {@code layers.jsonl} (the layers asked for and the relay's LAYER messages), read back. */
record RecordedLayers(List<Event> events) {
    private static final Pattern LINE = Pattern.compile("\\{\"t\":(\\d{16}),\"event\":\"(request|layer)\",\"sender\":(\\d+),"
            + "\"source\":(\\d+)(?:,\"stream\":(\\d+))?,\"layer\":(\\d+)(?:,\"cause\":\"([a-z]+)\")?}");

    /**
     * One line: a SUBSCRIBE the recorder sent for a source ({@code request}; no stream, no cause) or a LAYER it got.
     *
     * @param micros when, microseconds since the epoch (the clock of {@code packets.jsonl})
     * @param stream the layer's stream ({@code layer} events), else -1
     * @param layer  the layer; 255 is auto
     * @param cause  why the relay changed the layer ({@code layer} events), else null
     */
    record Event(long micros, String event, long sender, int source, int stream, int layer, String cause) {
        boolean request() {
            return event.equals("request");
        }
    }

    /** Reads the file; a line that is not in the documented format fails the test. */
    /** The names of a recording directory's .h264 files, sorted. */
    static List<String> h264Files(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".h264")).sorted().toList();
        }
    }

    static RecordedLayers read(Path file) throws IOException {
        List<Event> events = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError(file + ": not a well-formed line: " + line);
            }
            events.add(new Event(Long.parseLong(m.group(1)), m.group(2), Long.parseLong(m.group(3)),
                    Integer.parseInt(m.group(4)), m.group(5) == null ? -1 : Integer.parseInt(m.group(5)),
                    Integer.parseInt(m.group(6)), m.group(7)));
        }
        return new RecordedLayers(List.copyOf(events));
    }

    /** The last request for {@code layer}; fails the test if there is none. */
    Event lastRequest(int layer) {
        return events.reversed().stream().filter(e -> e.request() && e.layer() == layer).findFirst()
                .orElseThrow(() -> new AssertionError("no request for layer " + layer + " in " + events));
    }

    /** The LAYER messages, in arrival order. */
    List<Event> layers() {
        return events.stream().filter(e -> !e.request()).toList();
    }
}
