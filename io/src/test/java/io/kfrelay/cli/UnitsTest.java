package io.kfrelay.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnitsTest {
    @Test
    void byteSizesTakeBinarySuffixes() {
        assertEquals(1200, Units.parseBytes("1200"));
        assertEquals(200 * 1024, Units.parseBytes("200k"));
        assertEquals(2 * 1024 * 1024, Units.parseBytes("2m"));
        assertEquals(2 * 1024 * 1024, Units.parseBytes("2MiB"));
        assertEquals(1L << 30, Units.parseBytes("1G"));
    }

    @Test
    void durationsNeedAUnit() {
        assertEquals(Duration.ofMillis(500), Units.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(5), Units.parseDuration("5s"));
        assertEquals(Duration.ofMinutes(1), Units.parseDuration("1m"));
        assertEquals(Duration.ZERO, Units.parseDuration("0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("500"));
        assertTrue(e.getMessage().contains("ms, s, m or h"), e.getMessage());
    }

    @Test
    void badSizesSayWhatIsExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("12 apples"));
        assertTrue(e.getMessage().contains("200k"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Units.parseIntBytes("4g"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("99999999999999999999"));
    }

    @Test
    void formattingIsTheShortestExactForm() {
        assertEquals("200k", Units.formatBytes(200 * 1024));
        assertEquals("1000", Units.formatBytes(1000));
        assertEquals("500ms", Units.formatDuration(Duration.ofMillis(500)));
        assertEquals("5s", Units.formatDuration(Duration.ofSeconds(5)));
    }
}
