package io.kfrelay.perf.report;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonTest {

    @Test
    void writesMapsInOrderWithEscapesAndNumbers() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\nd\u0001");
        m.put("i", 42L);
        m.put("d", 0.1 + 0.2);
        m.put("whole", 3.0);
        m.put("nan", Double.NaN);
        m.put("null", null);
        m.put("list", List.of(1, 2.5));
        m.put("objs", List.of(Map.of("k", true)));
        m.put("empty", Map.of());
        assertEquals("""
                {
                  "s": "a\\"b\\\\c\\nd\\u0001",
                  "i": 42,
                  "d": 0.3,
                  "whole": 3,
                  "nan": null,
                  "null": null,
                  "list": [1, 2.5],
                  "objs": [
                    {
                      "k": true
                    }
                  ],
                  "empty": {}
                }
                """, Json.write(m));
    }

    @Test
    void keepsSixSignificantDigitsAndNullsInLists() {
        assertEquals("[123457, 0.000123457, null]\n", Json.write(Arrays.asList(123456.7, 0.0001234567, null)));
    }

    @Test
    void refusesWhatItCannotWrite() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
    }
}
