package io.kfrelay.e2e;

import io.kfrelay.client.ClientListener;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.client.MediaPacket;
import io.kfrelay.config.CacheMode;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Spec: one stream's packets reach subscribers in the order they were published, even when some are published
 * from a listener callback (the client's I/O thread) while another thread publishes too, on either transport.
 */
@Timeout(60)
class PublishOrderIT {
    private static final int STREAM = 1;

    @ParameterizedTest
    @EnumSource(Transport.class)
    void framesPublishedFromCallbacksNeverOvertakeEarlierOnes(Transport transport) throws Exception {
        try (TestRelay relay = TestRelay.start(CacheMode.KEYFRAME)) {
            Received subscriber = new Received();
            relay.join("order", "subscriber", subscriber);

            // The publisher answers every packet it hears (a ticker's audio) with a frame of its own, on its I/O thread.
            AtomicReference<KfRelayClient> self = new AtomicReference<>();
            AtomicInteger fromCallbacks = new AtomicInteger();
            KfRelayClient publisher = relay.join("order", "publisher", new ClientListener() {
                @Override
                public void onMedia(MediaPacket packet) {
                    KfRelayClient me = self.get();
                    if (me != null && me.isWritable()) {
                        me.publishFrame(STREAM, Protocol.KIND_VIDEO, false, new byte[1000], 0);
                        fromCallbacks.incrementAndGet();
                    }
                }
            }, transport);
            self.set(publisher);
            KfRelayClient ticker = relay.join("order", "ticker", new ClientListener() {
            });

            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            Thread other = Thread.ofPlatform().name("publishing-thread").start(() -> {
                byte[] frame = new byte[1000];
                for (int i = 0; System.nanoTime() < end; i++) {
                    if (publisher.isWritable()) {
                        publisher.publishFrame(STREAM, Protocol.KIND_VIDEO, i == 0, frame, i);
                    }
                    LockSupport.parkNanos(100_000);
                }
            });
            for (int i = 0; System.nanoTime() < end; i++) {
                ticker.publishFrame(9, Protocol.KIND_AUDIO, false, new byte[100], i * 48L);
                Thread.sleep(1);
            }
            other.join();

            long sender = publisher.participantId();
            Eventually.within(Duration.ofSeconds(5), "the subscriber stops receiving", new Settled(subscriber));
            List<Received.Packet> got = subscriber.packets().stream()
                    .filter(p -> p.sender() == sender && p.stream() == STREAM).toList();
            assertTrue(got.size() > 1000, "packets received: " + got.size() + "; " + relay.counters());
            for (int i = 1; i < got.size(); i++) {
                if (MediaHeader.seqDelta(got.get(i - 1).seq(), got.get(i).seq()) <= 0) {
                    fail(transport + ": packet " + i + " has sequence " + got.get(i).seq() + " after "
                            + got.get(i - 1).seq());
                }
            }
            assertTrue(fromCallbacks.get() > 100, "frames published from callbacks: " + fromCallbacks.get());
        }
    }

    /** True once the packet count has not changed for 300 ms: everything in flight has arrived (or is lost). */
    private static final class Settled implements java.util.function.BooleanSupplier {
        private final Received received;
        private int lastCount = -1;
        private long since;

        Settled(Received received) {
            this.received = received;
        }

        @Override
        public boolean getAsBoolean() {
            int count = received.packetCount();
            if (count != lastCount) {
                lastCount = count;
                since = System.nanoTime();
                return false;
            }
            return System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(300);
        }
    }
}
