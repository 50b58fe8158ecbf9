package io.kfrelay.e2e;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A recording's {@code layers.jsonl} (the layers asked for and the relay's LAYER messages), read back. */
record RecordedLayers(List<Event> events) {
    private static final List<String> KEYS = List.of("t", "event", "sender", "source", "stream", "layer", "cause");

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
        return new RecordedLayers(JsonLines.read(file, KEYS, List.of("stream", "cause")).stream()
                .map(RecordedLayers::event).toList());
    }

    private static Event event(JsonNode l) {
        String event = l.get("event").asText();
        boolean layer = event.equals("layer");
        // A LAYER has its stream and cause; a request neither.
        if (!layer && !event.equals("request") || l.has("stream") != layer || l.has("cause") != layer
                || layer && !l.get("cause").asText().matches("[a-z]+")) {
            throw new AssertionError("not a well-formed line: " + l);
        }
        return new Event(JsonLines.integer(l, "t"), event, JsonLines.integer(l, "sender"),
                (int) JsonLines.integer(l, "source"), layer ? (int) JsonLines.integer(l, "stream") : -1,
                (int) JsonLines.integer(l, "layer"), layer ? l.get("cause").asText() : null);
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
