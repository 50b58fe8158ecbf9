package io.kfrelay.client;

import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java client follows REDIRECT before JOINED: at most {@link KfRelayClient#MAX_REDIRECTS}, then a clear error. */
@Timeout(30)
class RedirectTest {

    private static ControlMessage.Redirect to(String node, URI ws) {
        return new ControlMessage.Redirect(ControlMessage.Redirect.ROOM_ELSEWHERE, 7, node, ws.toString(), "", "");
    }

    /** The fake relay takes the connection and the JOIN, and answers REDIRECT; returns the JOIN it read. */
    private static ControlMessage.Join redirectFrom(FakeRelay relay, ControlMessage.Redirect redirect) throws Exception {
        return redirectFrom(relay, redirect, true);
    }

    /** {@code upgrade}: the connection is still to be accepted (a redirect's target), not already connected. */
    private static ControlMessage.Join redirectFrom(FakeRelay relay, ControlMessage.Redirect redirect, boolean upgrade)
            throws Exception {
        if (upgrade) {
            relay.awaitUpgradeRequest();
            relay.answerUpgrade();
        }
        byte[] join = relay.readMessage();
        relay.send(redirect);
        ControlCodec.Decoded d = ControlCodec.decode(Unpooled.wrappedBuffer(join));
        return (ControlMessage.Join) assertInstanceOf(ControlCodec.Decoded.Ok.class, d).message();
    }

    @Test
    void aRedirectedJoinEndsJoinedAtTheTarget() throws Exception {
        try (FakeRelay b = FakeRelay.start(); FakeRelay a = FakeRelay.start()) {
            List<String> heard = new CopyOnWriteArrayList<>();
            KfRelayClient client = connect(b, new ClientListener() {
                @Override
                public void onRedirect(ControlMessage.Redirect redirect, URI target) {
                    heard.add(redirect.node() + " " + target);
                }
            });
            CompletableFuture<ControlMessage.Joined> joining = client.join("r", "alice", "tok");
            redirectFrom(b, to("a", a.url()), false);
            a.awaitUpgradeRequest();
            a.answerUpgrade();
            ControlMessage.Join again = (ControlMessage.Join) ((ControlCodec.Decoded.Ok) ControlCodec.decode(
                    Unpooled.wrappedBuffer(a.readMessage()))).message();
            assertEquals(new ControlMessage.Join("r", "alice", "tok", 0), again, "the same JOIN, token included");
            a.send(new ControlMessage.Joined(5, "r", List.of()));
            assertEquals(5, joining.get(5, TimeUnit.SECONDS).participantId());
            assertEquals(a.url(), client.url());
            assertEquals(List.of("a (" + a.url() + ")"), client.redirects());
            assertEquals(List.of("a " + a.url()), heard);
            assertTrue(!client.isClosed(), "the old connection's close is not the client's");
            assertTrue(b.awaitClosedByClient(Duration.ofSeconds(5)), "the client closed the redirecting connection");
            client.close();
            client.closeFuture().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRedirectLoopGivesUpAfterTwoHopsNamingThem() throws Exception {
        try (FakeRelay r1 = FakeRelay.start(); FakeRelay r2 = FakeRelay.start(); FakeRelay r3 = FakeRelay.start()) {
            KfRelayClient client = connect(r1, new ClientListener() { });
            CompletableFuture<ControlMessage.Joined> joining = client.join("r", "alice", "");
            redirectFrom(r1, to("n2", r2.url()), false);
            redirectFrom(r2, to("n3", r3.url()));
            redirectFrom(r3, to("n1", r1.url()));
            ExecutionException e = assertThrows(ExecutionException.class, () -> joining.get(5, TimeUnit.SECONDS));
            RedirectException gaveUp = assertInstanceOf(RedirectException.class, e.getCause());
            assertEquals(List.of("n2 (" + r2.url() + ")", "n3 (" + r3.url() + ")", "n1 (" + r1.url() + ")"),
                    gaveUp.hops());
            assertTrue(gaveUp.getMessage().startsWith("gave up after 2 redirects: n2 (" + r2.url() + ") -> n3"),
                    gaveUp.getMessage());
            client.close();
            client.closeFuture().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRedirectWithoutAUrlOfTheClientsTransportFails() throws Exception {
        try (FakeRelay r1 = FakeRelay.start()) {
            KfRelayClient client = connect(r1, new ClientListener() { });
            CompletableFuture<ControlMessage.Joined> joining = client.join("r", "alice", "");
            redirectFrom(r1, new ControlMessage.Redirect(ControlMessage.Redirect.ROOM_ELSEWHERE, 1, "q", "",
                    "quic://127.0.0.1:4433", ""), false);
            ExecutionException e = assertThrows(ExecutionException.class, () -> joining.get(5, TimeUnit.SECONDS));
            RedirectException failed = assertInstanceOf(RedirectException.class, e.getCause());
            assertTrue(failed.getMessage().contains("node q") && failed.getMessage().contains("no WebSocket URL"),
                    failed.getMessage());
            client.close();
        }
    }

    /** Connects a client to {@code relay} and answers its upgrade. */
    private static KfRelayClient connect(FakeRelay relay, ClientListener listener) throws Exception {
        CompletableFuture<KfRelayClient> connecting = KfRelayClient.connect(relay.url(), listener);
        relay.awaitUpgradeRequest();
        relay.answerUpgrade();
        return connecting.get(5, TimeUnit.SECONDS);
    }
}
