package io.kfrelay.bench;

import io.kfrelay.egress.ParticipantSink;
import io.netty.buffer.ByteBuf;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Stands in for a transport sink: touches each buffer so the call is not optimised away, keeps nothing (media
 * stays the caller's; control messages are released, as a transport would once written).
 */
final class BlackholeSink implements ParticipantSink {
    private final Blackhole bh;

    BlackholeSink(Blackhole bh) {
        this.bh = bh;
    }

    @Override
    public void sendMedia(ByteBuf packet) {
        bh.consume(packet);
    }

    @Override
    public void sendControl(ByteBuf message) {
        message.release();
    }

    @Override
    public void flush() {
        bh.consume(this);
    }

    @Override
    public void close() {
    }
}
