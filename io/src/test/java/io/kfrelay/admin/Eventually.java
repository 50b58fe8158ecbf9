package io.kfrelay.admin;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Waits, bounded, for something that happens on other threads. */
final class Eventually {
    private Eventually() {
    }

    static void within(Duration limit, Supplier<String> what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + limit.toMillis() + " ms: " + what.get());
            }
            Thread.sleep(5);
        }
    }
}
