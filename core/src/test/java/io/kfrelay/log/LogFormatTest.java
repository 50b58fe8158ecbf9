package io.kfrelay.log;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Spec: log lines are key=value; a value that would break that (space, quote, =) is quoted. */
class LogFormatTest {

    @Test
    void placeholdersAreFilledAndAwkwardValuesQuoted() {
        assertEquals("event=joined room=stage participant=7",
                LogFormat.format("event=joined room={} participant={}", "stage", 7));
        assertEquals("room=\"team a\" identity=\"x=\\\"y\\\"\"",
                LogFormat.format("room={} identity={}", "team a", "x=\"y\""));
        assertEquals("reason=\"\" extra={}", LogFormat.format("reason={} extra={}", ""));
        assertEquals("line=\"a\\nb\"", LogFormat.format("line={}", "a\nb"));
    }
}
