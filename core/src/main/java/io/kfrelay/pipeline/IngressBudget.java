package io.kfrelay.pipeline;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.DropReason;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one shard's ring may hold, beyond its slot count: bytes of media, and work in deliveries (each packet
 * costs one plus its room's receivers: a packet fanned out to 500 costs the consumer 500 sends). A packet over
 * any of them is dropped at ingress ({@link DropReason#RING_FULL}) rather than block an I/O thread.
 *
 * <p>Fairness: once half of any of the three is in use, a room may hold no more than its fair share of it (the
 * whole divided by the rooms with packets waiting). So a room whose fan-out the consumer cannot keep up with
 * loses its own packets ({@link DropReason#INGRESS_SHARE}), not every other room's on the shard. A room that is
 * the only one with packets waiting may use all but {@value #HEADROOM_DIVISOR}th of each: another room's next packet
 * (a quiet room publishes now and then, and has nothing waiting in between) still finds room, and from then on the
 * fair share applies. The checks and the charges are separate atomics, so concurrent producers can pass a limit by
 * a packet each: a soft bound.
 */
final class IngressBudget {
    /** A room alone in the ring leaves this fraction (1/N) of each budget free for another room's next packet. */
    static final int HEADROOM_DIVISOR = 8;

    private final long maxSlots;
    private final long maxBytes;
    private final long maxWork;
    private final AtomicLong slots = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong work = new AtomicLong();
    private final AtomicInteger busyRooms = new AtomicInteger();

    IngressBudget(RelayConfig config) {
        this.maxSlots = config.ringSize() - config.controlReserve();
        this.maxBytes = config.ringBytes();
        this.maxWork = config.ringWork();
    }

    /** One packet's cost in deliveries. */
    static long cost(RoomLoad room) {
        return 1L + room.receivers();
    }

    /** Charges one packet to the ring and its room; the reason it may not go in, or null when charged. */
    DropReason admit(RoomLoad room, int length, long cost) {
        long usedSlots = slots.get();
        long usedBytes = bytes.get();
        long usedWork = work.get();
        if (usedSlots + 1 > maxSlots || usedBytes + length > maxBytes || usedWork + cost > maxWork) {
            return DropReason.RING_FULL;
        }
        int busy = busyRooms.get() + (room.busy() ? 0 : 1);
        boolean refused = busy > 1
                ? overShare(usedSlots, maxSlots, room.packets.get() + 1, busy)
                        || overShare(usedBytes, maxBytes, room.bytes.get() + length, busy)
                        || overShare(usedWork, maxWork, room.work.get() + cost, busy)
                : intoHeadroom(usedSlots + 1, maxSlots) || intoHeadroom(usedBytes + length, maxBytes)
                        || intoHeadroom(usedWork + cost, maxWork);
        if (refused) {
            return DropReason.INGRESS_SHARE;
        }
        slots.incrementAndGet();
        bytes.addAndGet(length);
        work.addAndGet(cost);
        if (room.packets.getAndIncrement() == 0) {
            busyRooms.incrementAndGet();
        }
        room.bytes.addAndGet(length);
        room.work.addAndGet(cost);
        return null;
    }

    private static boolean overShare(long used, long max, long roomAfter, int busyRooms) {
        return used > max / 2 && roomAfter > max / busyRooms;
    }

    private static boolean intoHeadroom(long usedAfter, long max) {
        return usedAfter > max - max / HEADROOM_DIVISOR;
    }

    /** The packet left the ring (handled, or never published): gives back what {@link #admit} charged. */
    void release(RoomLoad room, int length, long cost) {
        room.work.addAndGet(-cost);
        room.bytes.addAndGet(-length);
        if (room.packets.decrementAndGet() == 0) {
            busyRooms.decrementAndGet();
        }
        work.addAndGet(-cost);
        bytes.addAndGet(-length);
        slots.decrementAndGet();
    }

    long bytes() {
        return bytes.get();
    }

    long work() {
        return work.get();
    }
}
