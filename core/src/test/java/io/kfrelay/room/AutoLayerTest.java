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
    @DisplayName("defaults: down after 1 s above 256 KiB queued and not shrinking, up after 4 s at or below 16 KiB")
    void defaults() {
        AutoLayerSettings d = AutoLayerSettings.defaults();
        assertEquals(256 * 1024, d.downBacklogBytes());
        assertEquals(16 * 1024, d.upBacklogBytes());
        assertEquals(Duration.ofSeconds(4), d.upAfter());
        assertEquals(Duration.ofSeconds(1), d.downAfter());
    }

    @Test
    @DisplayName("a queue that stays above the down mark for the wait, not shrinking, moves down; nothing lower, no move")
    void downAfterSustained() {
        assertEquals(STAY, policy.decide(s, DOWN_MARK, 0, true, false), "at the mark is not above it");
        assertEquals(STAY, policy.decide(s, DOWN_MARK + 1, 0, true, false), "the wait starts");
        assertEquals(STAY, policy.decide(s, DOWN_MARK + 100, S / 2, true, false));
        assertEquals(STAY, policy.decide(s, DOWN_MARK + 200, S, false, false), "no lower layer started");
        assertEquals(DOWN, policy.decide(s, DOWN_MARK + 300, S + 1, true, false));
    }

    @Test
    @DisplayName("a queue above the mark that shrinks (a burst draining) does not move down; dropping under it resets the wait")
    void drainingIsNotCongestion() {
        long t = 0;
        long backlog = 1 << 20; // a replay's window left in the queue
        for (int i = 0; i < 40; i++, t += S / 10, backlog -= 20_000) {
            assertEquals(STAY, policy.decide(s, backlog, t, true, false), "still draining at " + backlog);
        }
        assertEquals(STAY, policy.decide(s, 1000, t, true, false));
        assertEquals(STAY, policy.decide(s, DOWN_MARK + 1, t + S / 2, true, false), "above again: a new wait");
        assertEquals(STAY, policy.decide(s, DOWN_MARK + 2, t + S, true, false));
        assertEquals(DOWN, policy.decide(s, DOWN_MARK + 3, t + 3 * S / 2, true, false));
    }

    @Test
    @DisplayName("after a down, what the higher layer left queued drains first: another down only once the queue grows again")
    void afterDownTheOldQueueDrains() {
        policy.decide(s, 600_000, 0, true, false);
        assertEquals(DOWN, policy.decide(s, 700_000, S, true, false));
        assertEquals(STAY, policy.decide(s, 650_000, 2 * S, true, false), "draining");
        assertEquals(STAY, policy.decide(s, 500_000, 3 * S, true, false), "draining");
        assertEquals(STAY, policy.decide(s, 520_000, 3 * S + S / 2, true, false), "growing, for half the wait");
        assertEquals(DOWN, policy.decide(s, 560_000, 4 * S, true, false), "growing for the whole wait: the layer is too much too");
    }

    @Test
    @DisplayName("after a down, the new layer's replay raises the queue: the next wait is measured from the first look after it")
    void afterDownTheSwitchsReplayIsNotCongestion() {
        policy.decide(s, 300_000, 0, true, false);
        assertEquals(DOWN, policy.decide(s, 360_000, S, true, false));
        assertEquals(STAY, policy.decide(s, 500_000, S + S / 10, true, false), "the replay of the new layer's GOP queued");
        assertEquals(STAY, policy.decide(s, 500_000, S + S / 2, true, false));
        assertEquals(STAY, policy.decide(s, 490_000, 2 * S + S / 5, true, false),
                "above the backlog at the down for longer than the wait, but not above the first look after it");
        assertEquals(STAY, policy.decide(s, 495_000, 3 * S, true, false), "growing again, from 490 000: a new wait");
        assertEquals(DOWN, policy.decide(s, 500_000, 3 * S + S / 5 + S, true, false), "growing for the whole wait");
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
        policy.decide(s, DOWN_MARK + 1, t + S / 2, true, false);
        t += 3 * S / 2;
        assertEquals(DOWN, policy.decide(s, DOWN_MARK + 1, t, true, false), "the up did not hold");
        assertEquals(8 * S, s.upAfterNanos);
        for (int i = 0; i < 5; i++) {
            policy.decide(s, 0, t, false, true);
            t += s.upAfterNanos;
            assertEquals(UP, policy.decide(s, 0, t, false, true));
            policy.decide(s, DOWN_MARK + 1, t + S / 2, true, false);
            t += 3 * S / 2;
            assertEquals(DOWN, policy.decide(s, DOWN_MARK + 1, t, true, false));
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
