package io.kfrelay.pipeline;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One room's share of its shard's ring, read and charged by the room's producers (I/O threads) for every packet
 * they publish, and given back by the consumer once the packet is handled. Its fan-out is the consumer's latest
 * word on the room's size ({@link io.kfrelay.room.RoomSizes}); the counts are atomics, touched once per packet.
 */
final class RoomLoad {
    final String room;
    private volatile int members;
    final AtomicLong packets = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong work = new AtomicLong();
    /** Sessions that publish into this room; guarded by the registry (RoomLoads). */
    int sessions;

    RoomLoad(String room) {
        this.room = room;
    }

    /** How many receivers one packet of this room reaches, at most (the room's other members). */
    int receivers() {
        return Math.max(0, members - 1);
    }

    void members(int n) {
        members = n;
    }

    /** Whether any of this room's packets wait in the ring. */
    boolean busy() {
        return packets.get() > 0;
    }
}
