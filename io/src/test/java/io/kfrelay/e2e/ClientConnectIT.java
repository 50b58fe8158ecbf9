package io.kfrelay.e2e;

import io.kfrelay.client.ClientListener;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.CacheMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec: a client reaches the relay at ws://HOST:PORT with or without the /kfrelay path, and says clearly when it cannot. */
@Timeout(30)
class ClientConnectIT {
    private static final ClientListener NOTHING = new ClientListener() { };

    @Test
    void theRelaysPathAndNoPathBothWork() throws Exception {
        try (TestRelay relay = TestRelay.start(CacheMode.KEYFRAME)) {
            for (String url : new String[] {relay.url().toString(), relay.url() + "/kfrelay"}) {
                try (KfRelayClient c = KfRelayClient.connect(URI.create(url), NOTHING).get(5, TimeUnit.SECONDS)) {
                    assertTrue(c.join("r", "via " + url.length(), "").get(5, TimeUnit.SECONDS).participantId() > 0, url);
                }
            }
        }
    }

    @Test
    void anotherPathIsRefusedAtTheHandshake() throws Exception {
        try (TestRelay relay = TestRelay.start(CacheMode.KEYFRAME)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> KfRelayClient.connect(URI.create(relay.url() + "/elsewhere"), NOTHING).get(5, TimeUnit.SECONDS));
            assertInstanceOf(IOException.class, e.getCause());
        }
    }

    @Test
    void nobodyListeningIsAClearConnectError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> KfRelayClient.connect(URI.create("ws://127.0.0.1:" + port), NOTHING).get(5, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, e.getCause());
        assertTrue(e.getCause().getMessage().startsWith("cannot connect to ws://127.0.0.1:" + port), e.getCause().getMessage());
    }

    @Test
    void aUrlThatIsNotWebSocketIsRefusedBeforeConnecting() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> KfRelayClient.connect(URI.create("http://127.0.0.1:1"), NOTHING).get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("ws://HOST:PORT"), e.getCause().getMessage());
    }
}
