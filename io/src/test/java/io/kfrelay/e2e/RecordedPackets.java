package io.kfrelay.e2e;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A recording's {@code packets.jsonl} (one line per packet, as {@code kfrelay record} writes it), read back. */
record RecordedPackets(List<Packet> packets) {
    private static final Pattern LINE = Pattern.compile(
            "\\{\"t\":(\\d{16}),\"sender\":(\\d+),\"stream\":(\\d+),\"kind\":\"(video|audio)\",\"seq\":(\\d+),\"flags\":(\\d+),\"size\":(\\d+)}");

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
        List<Packet> packets = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError(file + ": not a well-formed line: " + line);
            }
            packets.add(new Packet(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Integer.parseInt(m.group(3)),
                    m.group(4), Long.parseLong(m.group(5)), Integer.parseInt(m.group(6)), Integer.parseInt(m.group(7))));
        }
        return new RecordedPackets(List.copyOf(packets));
    }

    /** The packets of one (sender, stream), in arrival order. */
    List<Packet> stream(long sender, int stream) {
        return packets.stream().filter(p -> p.sender() == sender && p.stream() == stream).toList();
    }
}
