package io.kfrelay.client;

import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A client's connection always ends when its user is done with it, whatever the relay does. */
@Timeout(30)
class ClientClosingTest {

    @Test
    void closeEndsTheConnectionEvenWhenTheRelayHasStoppedReading() throws Exception {
        try (FakeRelay relay = FakeRelay.start(4096)) {
            ClientOptions options = ClientOptions.builder().closeTimeout(Duration.ofMillis(500)).build();
            KfRelayClient client = relay.join(options, new ClientListener() {
            }, 1); // and then this relay reads nothing more
            byte[] frame = new byte[100_000];
            for (int i = 0; i < 60 && !client.isClosed(); i++) {
                client.publishFrame(1, Protocol.KIND_VIDEO, true, frame, i); // 6 MB: far more than the socket takes
            }
            assertFalse(client.isWritable(), "the backlog is above the high-water mark");

            long start = System.nanoTime();
            client.close();
            client.closeFuture().get(10, TimeUnit.SECONDS);
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMillis < 500 + 1_000, "closed after " + tookMillis + " ms");
            assertTrue(relay.awaitClosedByClient(Duration.ofSeconds(5)), "the relay saw the connection end");
        }
    }

    @Test
    void aConnectionThatCompletesAfterTheCallerGaveUpIsClosed() throws Exception {
        try (FakeRelay relay = FakeRelay.start()) {
            CompletableFuture<KfRelayClient> connecting = KfRelayClient.connect(relay.url(), new ClientListener() {
            });
            relay.awaitUpgradeRequest();
            connecting.cancel(false); // e.g. the caller's timeout (Recorder.start) ran out before the relay answered

            relay.answerUpgrade();
            assertTrue(relay.awaitClosedByClient(Duration.ofSeconds(5)),
                    "nobody holds the late connection, so the client must close it itself");
        }
    }
}
