package io.kfrelay.client;

import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.MessageType;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KfRelayClient's promise: one stream's frames leave in call order with consecutive sequence numbers, whichever
 * thread publishes them, the client's own I/O thread (a listener callback) included.
 */
@Timeout(30)
class PublishOrderTest {
    private static final int STREAM = 1;

    @Test
    void aKeyframePublishedFromACallbackNeverOvertakesPacketsPublishedEarlierByAnotherThread() throws Exception {
        try (FakeRelay relay = FakeRelay.start()) {
            AtomicReference<KfRelayClient> self = new AtomicReference<>();
            AtomicInteger fromCallback = new AtomicInteger();
            KfRelayClient client = relay.join(ClientOptions.defaults(), new ClientListener() {
                @Override
                public void onKeyframeRequest(int streamId) {
                    // The documented pattern: answer the request with a keyframe, right here on the I/O thread.
                    self.get().publishFrame(STREAM, Protocol.KIND_VIDEO, true, new byte[6000], 0);
                    fromCallback.incrementAndGet();
                }
            }, 7);
            self.set(client);

            SequenceCheck check = new SequenceCheck();
            Thread reader = Thread.ofPlatform().name("relay-reader").start(() -> check.readAll(relay));
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            Thread publisher = Thread.ofPlatform().name("publisher").start(() -> {
                byte[] delta = new byte[3000];
                for (int i = 1; System.nanoTime() < end; i++) {
                    while (!client.isWritable() && System.nanoTime() < end) {
                        LockSupport.parkNanos(100_000);
                    }
                    client.publishFrame(STREAM, Protocol.KIND_VIDEO, false, Unpooled.wrappedBuffer(delta), i);
                    LockSupport.parkNanos(20_000);
                }
            });
            while (publisher.isAlive()) {
                relay.send(new ControlMessage.KeyframeRequest(7, STREAM)); // the relay asking, again and again
                Thread.sleep(2);
            }
            publisher.join();
            client.close();
            reader.join(10_000);

            assertNull(check.violation, check.violation);
            assertTrue(fromCallback.get() > 50, "keyframes published from the callback: " + fromCallback.get());
            assertEquals(client.nextSequence(STREAM), check.packets, "every packet published reached the relay");
        }
    }

    /** What the relay saw: each media packet must carry the sequence number after the previous one's. */
    private static final class SequenceCheck {
        volatile String violation;
        volatile long packets;

        void readAll(FakeRelay relay) {
            MediaHeader h = new MediaHeader();
            long expected = 0;
            try {
                for (byte[] m = relay.readMessage(); m != null; m = relay.readMessage()) {
                    var buf = Unpooled.wrappedBuffer(m);
                    if (io.kfrelay.protocol.ControlCodec.peekType(buf) != MessageType.MEDIA) {
                        continue;
                    }
                    h.wrap(buf);
                    if (h.sequence() != expected && violation == null) {
                        violation = "packet " + packets + " of stream " + h.streamId() + " carries sequence "
                                + h.sequence() + ", expected " + expected + " (flags " + h.flags() + ")";
                    }
                    expected = (h.sequence() + 1) & 0xFFFF_FFFFL;
                    packets++;
                }
            } catch (Exception e) {
                violation = "reading failed: " + e;
            }
        }
    }
}
