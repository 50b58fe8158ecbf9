package io.kfrelay.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The protocol-independent half of a client transport, on an embedded channel whose tasks the test runs. */
class QueuedClientTransportTest {

    /** Records what the queue asks of a protocol. */
    private static final class Recording extends QueuedClientTransport {
        final EmbeddedChannel channel;
        final List<String> events = new ArrayList<>();
        boolean writable = true;
        long room = 1000;

        Recording(EmbeddedChannel channel) {
            super(channel, channel, Duration.ofSeconds(1));
            this.channel = channel;
        }

        @Override
        protected boolean channelsWritable() {
            return writable;
        }

        @Override
        protected long bytesBeforeUnwritable() {
            return room;
        }

        @Override
        protected void send(ByteBuf message) {
            events.add("send " + message.readableBytes());
            message.release();
        }

        @Override
        protected void flushChannels() {
            events.add("flush");
        }

        @Override
        protected void sayGoodbye() {
            events.add("goodbye");
            channel.close();
        }

        @Override
        protected void cut() {
            events.add("cut");
            channel.close();
        }
    }

    private static ByteBuf message(int bytes) {
        return Unpooled.buffer(bytes).writeZero(bytes);
    }

    @Test
    void writesLeaveInOrderWithOneFlushPerDrainAndCountAsBacklogUntilThen() {
        Recording t = new Recording(new EmbeddedChannel());
        t.write(message(600));
        t.write(message(300));
        t.flush();
        assertEquals(900, t.queuedBytes());
        assertTrue(t.isWritable(), "900 queued bytes fit the channel's 1000");
        t.room = 900;
        assertFalse(t.isWritable());

        t.channel.runPendingTasks();
        assertEquals(List.of("send 600", "send 300", "flush"), t.events);
        assertEquals(0, t.queuedBytes());
    }

    @Test
    void anUnwritableChannelHoldsTheBacklogUntilItTakesDataAgain() {
        Recording t = new Recording(new EmbeddedChannel());
        t.writable = false;
        t.write(message(10));
        t.flush();
        t.channel.runPendingTasks();
        assertEquals(List.of(), t.events);
        assertEquals(10, t.queuedBytes());

        t.writable = true;
        t.onWritabilityChanged();
        t.channel.runPendingTasks();
        assertEquals(List.of("send 10", "flush"), t.events);
    }

    @Test
    void closeSaysGoodbyeBehindWhatIsQueuedAndCompletesWhenTheSocketCloses() throws Exception {
        Recording t = new Recording(new EmbeddedChannel());
        t.write(message(10));
        CompletableFuture<Void> closed = t.close();
        ByteBuf late = message(5);
        t.write(late);
        assertEquals(0, late.refCnt(), "a write after close is released at once");
        assertFalse(closed.isDone());

        t.channel.runPendingTasks();
        assertEquals(List.of("send 10", "flush", "goodbye"), t.events);
        closed.get(1, TimeUnit.SECONDS);
        assertSame(closed, t.close(), "close is idempotent");
    }

    @Test
    void whatIsQueuedWhenTheConnectionEndsIsReleasedUnsent() {
        Recording t = new Recording(new EmbeddedChannel());
        ByteBuf queued = message(10);
        t.write(queued);
        t.channel.close();
        assertEquals(0, queued.refCnt());
        assertEquals(0, t.queuedBytes());
        assertEquals(List.of(), t.events);
    }
}
