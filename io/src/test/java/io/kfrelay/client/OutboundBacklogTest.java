package io.kfrelay.client;

import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a client holds for a relay that does not keep up is bounded: past the cap, publishFrame refuses frames. */
@Timeout(30)
class OutboundBacklogTest {

    @Test
    void framesPastTheOutboundCapAreRefusedWholeWithoutUsingSequenceNumbers() throws Exception {
        try (FakeRelay relay = FakeRelay.start(4096)) {
            KfRelayClient client = relay.join(ClientOptions.defaults(), new ClientListener() {
            }, 1); // and then this relay reads nothing more

            byte[] frame = new byte[100_000];
            int refused = 0;
            int packetsPerFrame = -1;
            for (int i = 0; i < 200; i++) { // 20 MB, more than the default cap and every socket buffer
                long before = client.nextSequence(1);
                int packets = client.publishFrame(1, Protocol.KIND_VIDEO, i == 0, frame, i);
                if (packets == 0) {
                    refused++;
                    assertEquals(before, client.nextSequence(1), "a refused frame uses no sequence numbers");
                } else {
                    packetsPerFrame = packets;
                }
            }
            assertTrue(packetsPerFrame > 0, "the first frames were taken");
            assertTrue(refused > 0, "frames past the cap were refused");
            assertEquals(refused, client.refusedFrames());
            assertFalse(client.isWritable());
            client.close();
            client.closeFuture().get(5, TimeUnit.SECONDS);
        }
    }
}
