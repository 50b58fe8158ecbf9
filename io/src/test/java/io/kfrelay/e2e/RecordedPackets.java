package io.kfrelay.e2e;


import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** A recording's {@code packets.jsonl} (one line per packet, as {@code kfrelay record} writes it), read back. */
record RecordedPackets(List<Packet> packets) {
    private static final List<String> KEYS = List.of("t", "sender", "stream", "kind", "seq", "flags", "size");

    /**
     * One packet as the recorder logged it.
     *
     * @param micros arrival time, microseconds since the epoch
     * @param size   the whole packet, 20-byte header included
     */
    record Packet(long micros, long sender, int stream, String kind, long seq, int flags, int size) implements PacketFlags {
        boolean video() {
            return kind.equals("video");
        }
    }

    /** {@code t} as the recorder writes it: microseconds since the epoch. */
    static long epochMicros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    /** Reads the file; a line that is not in the documented format fails the test. */
    static RecordedPackets read(Path file) throws IOException {
        List<Packet> packets = JsonLines.read(file, KEYS, List.of()).stream().map(RecordedPackets::packet).toList();
        return new RecordedPackets(packets);
    }

    private static Packet packet(JsonNode l) {
        String kind = l.get("kind").asText();
        if (!kind.equals("video") && !kind.equals("audio") || JsonLines.integer(l, "t") < 1_000_000_000_000_000L) {
            throw new AssertionError("not a well-formed line: " + l);
        }
        return new Packet(JsonLines.integer(l, "t"), JsonLines.integer(l, "sender"), (int) JsonLines.integer(l, "stream"),
                kind, JsonLines.integer(l, "seq"), (int) JsonLines.integer(l, "flags"), (int) JsonLines.integer(l, "size"));
    }

    /** The packets of one (sender, stream), in arrival order. */
    List<Packet> stream(long sender, int stream) {
        return packets.stream().filter(p -> p.sender() == sender && p.stream() == stream).toList();
    }
}
