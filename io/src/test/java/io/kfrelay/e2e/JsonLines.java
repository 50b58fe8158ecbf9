package io.kfrelay.e2e;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.kfrelay.json.JsonSupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a recording's JSON Lines file (packets.jsonl, layers.jsonl) with Jackson, holding each line to the documented
 * format: an object with exactly the given keys in that order (the optional ones may be left out) and written
 * compactly, as the recorder writes it (no spaces, integers as plain digits).
 */
final class JsonLines {
    private JsonLines() {
    }

    static List<JsonNode> read(Path file, List<String> keys, List<String> optional) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode n;
            try {
                n = JsonSupport.MAPPER.readTree(line);
            } catch (JsonProcessingException e) {
                throw new AssertionError(file + ": not JSON: " + line, e);
            }
            List<String> present = new ArrayList<>();
            n.fieldNames().forEachRemaining(present::add);
            List<String> expected = keys.stream().filter(k -> present.contains(k) || !optional.contains(k)).toList();
            if (!n.isObject() || !present.equals(expected) || !JsonSupport.write(n).equals(line)) {
                throw new AssertionError(file + ": not a well-formed line: " + line);
            }
            lines.add(n);
        }
        return lines;
    }

    /** A field that must be a whole number. */
    static long integer(JsonNode line, String key) {
        JsonNode v = line.get(key);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
            throw new AssertionError("not a non-negative integer: " + key + " in " + line);
        }
        return v.asLong();
    }
}
