package io.kfrelay.config;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.LiteTimeoutBlockingWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.TimeoutBlockingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How a shard consumer waits for events. The blocking kinds wake every millisecond when idle so that
 * control events parked in the overflow queue are never stranded; the spinning kinds burn a core each.
 */
public enum WaitStrategyKind {
    BLOCKING,
    LITE_BLOCKING,
    SLEEPING,
    YIELDING,
    BUSY_SPIN;

    public WaitStrategy create() {
        return switch (this) {
            case BLOCKING -> new TimeoutBlockingWaitStrategy(1, TimeUnit.MILLISECONDS);
            case LITE_BLOCKING -> new LiteTimeoutBlockingWaitStrategy(1, TimeUnit.MILLISECONDS);
            case SLEEPING -> new SleepingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }

    public static WaitStrategyKind parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "wait strategy must be one of blocking, lite-blocking, sleeping, yielding, busy-spin, not '" + s + "'");
        }
    }
}
