package io.kfrelay.client;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("ReconnectBackoff: 100 ms doubling to 2 s, up to half of each taken off at random, until the total is up")
class ReconnectBackoffTest {
    private static final long MS = 1_000_000L;
    private final AtomicLong now = new AtomicLong(5_000 * MS);

    /** The delays (ms) until the schedule gives up, time passing by each delay and {@code attemptMs} per attempt. */
    private List<Long> schedule(ReconnectBackoff b, long attemptMs) {
        List<Long> delays = new ArrayList<>();
        long d;
        while ((d = b.nextDelayNanos()) != ReconnectBackoff.GIVE_UP) {
            delays.add(d / MS);
            now.addAndGet(d + attemptMs * MS);
            assertTrue(delays.size() < 1000, "the schedule must end");
        }
        return delays;
    }

    @Test
    void withoutJitterTheDelaysDoubleToTheCapAndStopAtTheTotal() {
        ReconnectBackoff b = new ReconnectBackoff(ReconnectOptions.defaults(), now::get, () -> 0.0);
        List<Long> delays = schedule(b, 0);
        // 100+200+400+800+1600 = 3100, then 2000 each: 13 more fit into 30 000 (29 100), the 14th would end at 31 100.
        List<Long> expected = new ArrayList<>(List.of(100L, 200L, 400L, 800L, 1600L));
        for (int i = 0; i < 13; i++) {
            expected.add(2000L);
        }
        assertEquals(expected, delays);
        assertEquals(18, b.attempts());
        assertTrue(b.elapsedNanos() <= Duration.ofSeconds(30).toNanos());
    }

    @Test
    void jitterTakesOffUpToHalf() {
        ReconnectBackoff b = new ReconnectBackoff(ReconnectOptions.defaults(), now::get, () -> 0.5);
        assertEquals(75 * MS, b.nextDelayNanos());
        assertEquals(150 * MS, b.nextDelayNanos());
        ReconnectBackoff most = new ReconnectBackoff(ReconnectOptions.defaults(), now::get, () -> 0.999_999);
        long d = most.nextDelayNanos();
        assertTrue(d > 50 * MS && d < 51 * MS, "at most half off: " + d);
    }

    @Test
    void slowAttemptsCountAgainstTheTotal() {
        ReconnectOptions o = ReconnectOptions.defaults().withGiveUpAfter(Duration.ofSeconds(10));
        ReconnectBackoff b = new ReconnectBackoff(o, now::get, () -> 0.0);
        // Each attempt takes 5 s (a connect timeout): 100 ms, then 5.1 s in, 200 ms fits (5.3 s), then 10.3 + 400 > 10 s.
        assertEquals(List.of(100L, 200L), schedule(b, 5000));
    }

    @Test
    void aNewLossStartsTheScheduleAgain() {
        ReconnectBackoff b = new ReconnectBackoff(ReconnectOptions.defaults(), now::get, () -> 0.0);
        schedule(b, 0);
        assertEquals(ReconnectBackoff.GIVE_UP, b.nextDelayNanos());
        b.restart();
        assertEquals(100 * MS, b.nextDelayNanos());
        assertEquals(1, b.attempts());
    }
}
