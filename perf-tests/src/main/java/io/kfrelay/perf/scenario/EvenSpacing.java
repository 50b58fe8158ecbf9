package io.kfrelay.perf.scenario;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/** Runs n actions spread evenly over a span, starting now: the i-th at {@code i * span / n} (joins inside a window). */
final class EvenSpacing {
    private EvenSpacing() {
    }

    interface Action {
        void run(int i) throws Exception;
    }

    static void run(int n, Duration span, Action action) throws Exception {
        long start = System.nanoTime();
        long spacing = span.toNanos() / Math.max(1, n);
        for (int i = 0; i < n; i++) {
            long at = start + i * spacing;
            long wait;
            while ((wait = at - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            action.run(i);
        }
    }
}
