package io.kfrelay.metrics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EnumAddersTest {
    private enum Kind { FIRST_ONE, SECOND }

    @Test
    void countsFromManyThreadsWithoutLosingAny() throws Exception {
        EnumAdders<Kind> c = new EnumAdders<>(Kind.class);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 10_000; i++) {
                    c.increment(Kind.FIRST_ONE);
                    c.add(Kind.SECOND, 3);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(40_000, c.get(Kind.FIRST_ONE));
        assertEquals(120_000, c.get(Kind.SECOND));
    }

    @Test
    void putAllNamesEveryCounterInDeclarationOrder() {
        EnumAdders<Kind> c = new EnumAdders<>(Kind.class);
        c.add(Kind.SECOND, 7);
        Map<String, Long> out = new LinkedHashMap<>();
        c.putAll("x.", out);
        assertEquals(List.of("x.first_one", "x.second"), List.copyOf(out.keySet()));
        assertEquals(List.of(0L, 7L), List.copyOf(out.values()));
    }
}
