package io.kfrelay.transport;

import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.transport.TransportMetrics.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stall watch over a real egress queue on an EmbeddedChannel, whose clock the test moves. Drops are reported
 * to the watch directly, as the sink does after a {@link MediaAdmission} drop.
 */
@DisplayName("StallWatch: a receiver that stops draining is told and disconnected")
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StallWatchTest {
    /** 16 media messages (low water 8), 32 in all; a 10 s stall timeout. */
    private static final SinkLimits LIMITS = new SinkLimits(16, 1 << 20, 32, 2 << 20, Duration.ofSeconds(10));

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final TransportMetrics metrics = new TransportMetrics();
    private final List<ByteBuf> owned = new ArrayList<>();
    private EgressQueue queue;
    private StallWatch watch;

    private void watch(SinkLimits limits) {
        EgressPort port = EgressPort.of(channel, EgressFraming.RAW);
        queue = new EgressQueue(port, limits, metrics, Duration.ofSeconds(5), () -> watch.onDrained());
        watch = new StallWatch(queue, port, limits, metrics);
    }

    @AfterEach
    void everyBufferReleased() {
        channel.finishAndReleaseAll();
        queue.releaseQueued();
        for (ByteBuf b : owned) {
            assertEquals(0, b.refCnt(), "reference count of a control message");
        }
    }

    private void queueControl(int messages) {
        for (int i = 0; i < messages; i++) {
            ByteBuf pong = Unpooled.buffer(10).writeByte(1).writeByte(0x19).writeLong(42);
            owned.add(pong);
            queue.sendControl(pong);
        }
    }

    private void unwritable() {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    }

    private void writable() {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        queue.onWritabilityChanged();
        channel.runPendingTasks();
    }

    private void after(long seconds) {
        channel.advanceTimeBy(seconds, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
    }

    @Test
    @DisplayName("stalled for the whole timeout: ERROR TOO_SLOW queued, then the connection closes")
    void toldThenDisconnected() {
        watch(LIMITS);
        unwritable();
        queueControl(9); // above the low-water mark, and stuck
        watch.onDrop();
        after(9);
        assertTrue(channel.isOpen(), "not yet");
        after(2);
        assertEquals(1, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED));
        assertTrue(queue.isClosing());

        writable(); // if it ever reads again it hears why, after what was queued before
        List<ControlMessage> written = new ArrayList<>();
        Object m;
        while ((m = channel.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) m;
            if (b.isReadable()) {
                written.add(((ControlCodec.Decoded.Ok) ControlCodec.decode(b)).message());
            }
            ReferenceCountUtil.release(m);
        }
        assertEquals(10, written.size());
        ControlMessage.Error error = assertInstanceOf(ControlMessage.Error.class, written.getLast());
        assertEquals(ErrorCodes.TOO_SLOW, error.code());
        assertEquals("receiving too slowly: no progress for 10000 ms", error.reason());
        assertFalse(channel.isOpen());
    }

    @Test
    @DisplayName("a replay kept waiting for the whole timeout by a receiver that does not read: told and disconnected")
    void waitingSenderTimesOut() {
        watch(LIMITS);
        unwritable();
        queueControl(4); // below the low-water mark: only the waiting replay says it is stuck
        watch.onSenderWaiting();
        after(9);
        watch.onSenderWaiting(); // the replay looks again: the clock runs on from the first wait
        after(2);
        assertEquals(1, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED));
        assertTrue(queue.isClosing());
    }

    @Test
    @DisplayName("a replay that is woken in time (the receiver reads, slowly) stops the clock")
    void wokenSenderIsNoStall() {
        watch(LIMITS);
        unwritable();
        queueControl(4);
        watch.onSenderWaiting();
        after(9);
        watch.onSenderWoken();
        watch.onSenderWaiting();
        after(9);
        assertTrue(channel.isOpen());
        assertEquals(0, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED));
        writable();
    }

    @Test
    @DisplayName("no room even for the ERROR: cut at once, everything queued released")
    void noRoomForTheErrorCuts() {
        watch(LIMITS);
        unwritable();
        queueControl(LIMITS.hardCapMessages());
        watch.onDrop();
        after(11);
        assertFalse(channel.isOpen());
        assertEquals(1, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED));
        assertEquals(0, queue.budget().messages());
        assertEquals(0, queue.budget().bytes());
        assertNull(channel.readOutbound(), "nothing written");
    }

    @Test
    @DisplayName("the stall runs from its first drop: later drops do not push the deadline out")
    void measuredFromTheFirstDrop() {
        watch(LIMITS);
        unwritable();
        queueControl(9);
        watch.onDrop();
        after(6);
        watch.onDrop();
        after(5);
        assertEquals(1, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED), "11 s after the first drop");
    }

    @Test
    @DisplayName("a drain that ends above the low-water mark does not end the stall")
    void aDrainAboveLowWaterIsNoProgress() {
        watch(LIMITS);
        unwritable();
        queueControl(9);
        watch.onDrop();
        after(8);
        watch.onDrained(); // 9 queued: above the low-water mark of 8
        after(3);
        assertEquals(1, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED));
    }

    @Test
    @DisplayName("a drain down to the low-water mark ends the stall; the next drop starts a new one")
    void aDrainToLowWaterEndsTheStall() {
        watch(LIMITS);
        unwritable();
        queueControl(9);
        watch.onDrop();
        after(8);
        writable(); // the drain writes all 9 and ends the stall
        unwritable();
        queueControl(9);
        watch.onDrop();
        after(8);
        assertTrue(channel.isOpen(), "16 s since the first drop, but only 8 s of this stall");
        assertEquals(0, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED));
        after(3);
        assertEquals(1, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED));
    }

    @Test
    @DisplayName("a zero stall timeout turns the watch off")
    void zeroTimeoutIsOff() {
        watch(new SinkLimits(16, 1 << 20, 32, 2 << 20));
        unwritable();
        queueControl(9);
        watch.onDrop();
        after(3600);
        assertTrue(channel.isOpen());
        assertFalse(queue.isClosing());
        assertEquals(0, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED));
    }

    @Test
    @DisplayName("a queue that is closing already is left to its close sequence")
    void aClosingQueueIsNotWatched() {
        watch(LIMITS);
        unwritable();
        queueControl(9);
        watch.onDrop();
        queue.close();
        after(11);
        assertEquals(1, metrics.get(Counter.CLOSE_TIMEOUTS), "cut by the close timeout");
        assertEquals(0, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED), "not by the stall watch");
    }
}
