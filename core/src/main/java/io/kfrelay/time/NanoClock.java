package io.kfrelay.time;

/** Monotonic time source of the relay; tests substitute a manual clock to check throttles and caps. */
@FunctionalInterface
public interface NanoClock {
    NanoClock SYSTEM = System::nanoTime;

    long nanoTime();
}
