package io.kfrelay.room;

import io.kfrelay.config.AutoLayerSettings;
import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.kfrelay.room.AutoLayer.Move.DOWN;
import static io.kfrelay.room.AutoLayer.Move.STAY;
import static io.kfrelay.room.AutoLayer.Move.UP;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The auto layer policy on its own: hysteresis, hold and back-off (defaults in AutoLayerSettings). */
class AutoLayerTest {
    private static final long S = 1_000_000_000L;
    private static final long DOWN_MARK = 256 * 1024;
    private final AutoLayer policy = new AutoLayer(AutoLayerSettings.defaults());
    private final SourceSubscription s = new SourceSubscription(
            new SimulcastSource(null, new int[] {1, 2, 3}), null, Protocol.LAYER_AUTO, policy.initialUpAfterNanos());

    @Test
    @DisplayName("defaults: down above 256 KiB queued, up after 4 s at or below 16 KiB, 1 s hold between downs")
    void defaults() {
        AutoLayerSettings d = AutoLayerSettings.defaults();
        assertEquals(256 * 1024, d.downBacklogBytes());
        assertEquals(16 * 1024, d.upBacklogBytes());
        assertEquals(Duration.ofSeconds(4), d.upAfter());
        assertEquals(Duration.ofSeconds(1), d.holdAfterSwitch());
    }

    @Test
    @DisplayName("a queue above the down mark moves down at once the first time; nothing lower, no move")
    void downAtOnce() {
        assertEquals(STAY, policy.decide(s, DOWN_MARK, 0, true, false), "at the mark is not above it");
        assertEquals(STAY, policy.decide(s, DOWN_MARK + 1, 0, false, false), "no lower layer started");
        assertEquals(DOWN, policy.decide(s, DOWN_MARK + 1, 0, true, false));
    }

    @Test
    @DisplayName("after a down, the next one needs the hold to pass and the queue to have grown")
    void holdAfterDown() {
        assertEquals(DOWN, policy.decide(s, 300_000, 0, true, false));
        assertEquals(STAY, policy.decide(s, 400_000, S / 2, true, false), "within the hold");
        assertEquals(STAY, policy.decide(s, 290_000, 2 * S, true, false), "the queue is draining what was there");
        assertEquals(DOWN, policy.decide(s, 500_000, 3 * S, true, false), "still growing after the hold");
    }

    @Test
    @DisplayName("up only after the queue stayed drained for the whole wait; any look above the up mark starts it again")
    void upAfterDrained() {
        assertEquals(STAY, policy.decide(s, 0, 0, false, true), "the wait starts");
        assertEquals(STAY, policy.decide(s, 0, 3 * S, false, true));
        assertEquals(STAY, policy.decide(s, 20_000, 3 * S + 1, false, true), "above the up mark: not drained");
        assertEquals(STAY, policy.decide(s, 0, 4 * S, false, true), "the wait starts again");
        assertEquals(STAY, policy.decide(s, 0, 7 * S, false, true));
        assertEquals(UP, policy.decide(s, 0, 8 * S, false, true));
        assertEquals(STAY, policy.decide(s, 0, 8 * S + 1, false, false), "at the top: no further up");
    }

    @Test
    @DisplayName("an up that is soon followed by a down doubles the next wait, up to 8 times; an up that holds resets it")
    void backoff() {
        long t = 0;
        policy.decide(s, 0, t, false, true);
        t += 4 * S;
        assertEquals(UP, policy.decide(s, 0, t, false, true));
        t += S;
        assertEquals(DOWN, policy.decide(s, DOWN_MARK + 1, t, true, false), "the up did not hold");
        assertEquals(8 * S, s.upAfterNanos);
        for (int i = 0; i < 5; i++) {
            policy.decide(s, 0, t, false, true);
            t += s.upAfterNanos;
            assertEquals(UP, policy.decide(s, 0, t, false, true));
            t += S;
            assertEquals(DOWN, policy.decide(s, 10 * DOWN_MARK * (i + 2), t, true, false));
        }
        assertEquals(32 * S, s.upAfterNanos, "at most 8 x 4 s");

        policy.decide(s, 0, t, false, true);
        t += s.upAfterNanos;
        assertEquals(UP, policy.decide(s, 0, t, false, true));
        t += 2 * s.upAfterNanos;
        policy.decide(s, 0, t, false, true);
        assertEquals(4 * S, s.upAfterNanos, "the up held for twice its wait: back to the configured one");
    }
}
