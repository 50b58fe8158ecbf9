package io.kfrelay.build;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JDK 25 flag line (../shared/STACK.md) has three copies that no build step can share: the pom property
 * (test JVMs), the launcher (the relay and tools) and the JMH fork settings. They must stay identical.
 */
class JvmFlagsInSyncTest {
    private static final Path ROOT = Path.of("..");

    private static String read(String file) throws IOException {
        return Files.readString(ROOT.resolve(file));
    }

    private static List<String> group(Pattern p, String text, String where) {
        Matcher m = p.matcher(text);
        assertTrue(m.find(), "no flag line found in " + where);
        return Arrays.stream(m.group(1).trim().split("\\s+")).toList();
    }

    @Test
    @DisplayName("pom.xml, the kfrelay launcher and the JMH forks pass the same JVM flags")
    void oneFlagLine() throws IOException {
        List<String> pom = group(Pattern.compile("<kfrelay.jvm.flags>(.*?)</kfrelay.jvm.flags>"), read("pom.xml"), "pom.xml");
        List<String> launcher = group(Pattern.compile("KFRELAY_JVM_FLAGS=\\(([^)]*)\\)", Pattern.DOTALL), read("kfrelay"), "kfrelay");
        Matcher quoted = Pattern.compile("\"(--[^\"]+)\"").matcher(
                read("benchmarks/src/main/java/io/kfrelay/bench/BenchmarkDefaults.java"));
        List<String> jmh = quoted.results().map(r -> r.group(1)).toList();

        assertFalse(pom.isEmpty());
        assertEquals(pom, launcher, "kfrelay launcher");
        assertEquals(pom, jmh, "BenchmarkDefaults");
    }
}
