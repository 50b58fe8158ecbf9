package io.kfrelay.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import io.kfrelay.json.JsonSupport;

import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Reads a JSON object with Jackson into ordered maps, lists, strings, longs (every whole number) or doubles, booleans
 * and null: enough to check admin answers. Anything after the object is an error.
 */
final class JsonReader {
    private static final ObjectReader OBJECT = JsonSupport.MAPPER.readerFor(new TypeReference<Map<String, Object>>() {
    }).with(DeserializationFeature.USE_LONG_FOR_INTS, DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonReader() {
    }

    static Map<String, Object> object(String json) {
        try {
            return OBJECT.readValue(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
