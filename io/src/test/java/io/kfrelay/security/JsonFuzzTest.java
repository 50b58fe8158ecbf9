package io.kfrelay.security;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fuzz: the token JSON reader on any text either returns an object or throws {@link Json.JsonException},
 * nothing else (no stack overflow, no runtime exception); an object of plain values survives a write and a
 * second read unchanged.
 */
class JsonFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void readerIsTotal(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        Map<String, Object> object;
        try {
            object = Json.parseObject(text);
        } catch (Json.JsonException expected) {
            return;
        }
        boolean plain = object.values().stream().allMatch(v -> v instanceof String || v instanceof Boolean || v instanceof Long);
        if (plain) {
            try {
                assertEquals(object, Json.parseObject(Json.write(object)), () -> "round trip of " + text);
            } catch (Json.JsonException e) {
                throw new AssertionError("the writer wrote what the reader refuses: " + e.getMessage(), e);
            }
        }
    }
}
