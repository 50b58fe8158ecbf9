package io.kfrelay.pipeline;

import io.netty.buffer.ByteBuf;

/**
 * A preallocated ring slot. Media fills {@link #sender}, {@link #packet} and what its ingress charge was (no
 * allocation: translators copy references in); membership and other rare events carry a {@link Command}.
 */
final class RelayEvent {
    int sender;
    ByteBuf packet;
    RoomLoad load;
    int length;
    long cost;
    /** System.nanoTime() when an I/O thread put a sampled media packet in the ring; 0 for the others. */
    long sampledAt;
    Command command;

    void clear() {
        sampledAt = 0;
        packet = null;
        load = null;
        command = null;
        sender = 0;
    }
}
