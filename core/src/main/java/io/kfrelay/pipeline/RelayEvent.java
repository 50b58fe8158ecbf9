package io.kfrelay.pipeline;

import io.netty.buffer.ByteBuf;

/**
 * A preallocated ring slot. Media fills {@link #sender} and {@link #packet} (no allocation: translators
 * copy references in); membership and other rare events carry a {@link Command}.
 */
final class RelayEvent {
    int sender;
    ByteBuf packet;
    Command command;

    void clear() {
        packet = null;
        command = null;
        sender = 0;
    }
}
