package io.kfrelay.client;

import io.kfrelay.client.RelayEndpoints.Endpoint;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ControlMessage.Joined;
import io.kfrelay.protocol.ErrorCodes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where a reconnection goes, in which order, and when it stops: driven by hand (fake clock, tasks run on demand). */
class ReconnectorTest {
    private static final URI A = URI.create("ws://a:1/kfrelay");
    private static final URI B = URI.create("ws://b:1/kfrelay");
    private static final URI C = URI.create("ws://c:1/kfrelay");

    private final AtomicLong now = new AtomicLong();
    private final Queue<Runnable> due = new ArrayDeque<>();
    private final List<URI> tried = new ArrayList<>();
    private final Queue<CompletableFuture<Joined>> answers = new ArrayDeque<>();
    private final List<String> outcome = new ArrayList<>();

    private final Reconnector.Attempts attempts = new Reconnector.Attempts() {
        @Override
        public CompletableFuture<Joined> attempt(Endpoint to) {
            tried.add(to.url());
            CompletableFuture<Joined> f = new CompletableFuture<>();
            answers.add(f);
            return f;
        }

        @Override
        public void reconnected(Joined joined, Endpoint via, Duration after) {
            outcome.add("reconnected via " + via.label() + " after " + after.toMillis() + " ms");
        }

        @Override
        public void gaveUp(IOException why) {
            outcome.add("gave up: " + why.getMessage());
        }

        @Override
        public void schedule(long delayNanos, Runnable task) {
            now.addAndGet(delayNanos);
            due.add(task);
        }
    };

    private Reconnector reconnector(List<URI> urls) {
        return new Reconnector(new ReconnectBackoff(ReconnectOptions.defaults(), now::get, () -> 0.0),
                new RelayEndpoints(urls), attempts);
    }

    /** Runs the next scheduled attempt and fails it with {@code error}. */
    private void failNext(Throwable error) {
        due.remove().run();
        answers.remove().completeExceptionally(error);
    }

    @Test
    void triesTheOtherRelaysInTurnStartingAfterTheLostOneUntilOneJoins() {
        Reconnector r = reconnector(List.of(A, B, C));
        r.start(B, null, new IOException("lost"));
        assertTrue(r.active());
        failNext(new IOException("refused"));
        failNext(new RelayErrorException("relay refused the join", ErrorCodes.ROOM_ELSEWHERE, "not yet"));
        failNext(new IOException("refused"));
        due.remove().run();
        answers.remove().complete(new Joined(9, "r", List.of()));
        assertEquals(List.of(C, A, B, C), tried);
        assertEquals(List.of("reconnected via c:1 after 1500 ms"), outcome, "100 + 200 + 400 + 800 ms of backoff");
        assertFalse(r.active());
    }

    @Test
    void aRedirectsTargetIsTriedFirst() {
        Reconnector r = reconnector(List.of(A, B));
        r.start(A, new Endpoint("node-c", C, ""), new IOException("redirected"));
        due.remove().run();
        assertEquals(List.of(C), tried);
    }

    @Test
    void aRefusalThatWouldBeTheSameAnywhereEndsIt() {
        Reconnector r = reconnector(List.of(A, B));
        r.start(A, null, new IOException("lost"));
        failNext(new RelayErrorException("relay refused the join", ErrorCodes.TOKEN_EXPIRED, "expired"));
        assertEquals(1, outcome.size());
        assertTrue(outcome.getFirst().startsWith("gave up: reconnecting ended: b:1 (ws://b:1/kfrelay) refused the join"),
                outcome.getFirst());
        assertTrue(due.isEmpty(), "nothing more is scheduled");
        assertFalse(r.active());
    }

    @Test
    void theTotalTimeBoundsIt() {
        Reconnector r = reconnector(List.of(A, B));
        r.start(A, null, new IOException("lost"));
        while (outcome.isEmpty()) {
            failNext(new IOException("connection refused"));
        }
        assertEquals(18, tried.size(), "the default schedule's attempts within 30 s");
        assertTrue(outcome.getFirst().startsWith("gave up: gave up reconnecting after 18 attempts in"), outcome.getFirst());
        assertTrue(outcome.getFirst().endsWith("last: connection refused"), outcome.getFirst());
    }

    @Test
    void aCancelledReconnectionIgnoresItsLateAnswer() {
        Reconnector r = reconnector(List.of(A, B));
        r.start(A, null, new IOException("lost"));
        due.remove().run();
        assertTrue(r.cancel());
        answers.remove().complete(new Joined(1, "r", List.of()));
        assertTrue(outcome.isEmpty(), outcome.toString());
        assertFalse(r.cancel(), "nothing left to cancel");
        assertNull(due.peek());
    }

    @Test
    void endpointsLearnNodesOfTheirTransportAndKeepTheGivenUrls() {
        RelayEndpoints e = new RelayEndpoints(List.of(A));
        assertFalse(e.severalOrLearned());
        e.learn(new ControlMessage.Nodes(List.of(new ControlMessage.NodeAddress("node-a", A.toString(), "", ""),
                new ControlMessage.NodeAddress("node-q", "", "quic://q:2", "ab"),
                new ControlMessage.NodeAddress("node-b", B.toString(), "quic://b:2", "cd"))));
        assertTrue(e.severalOrLearned());
        assertEquals(List.of(new Endpoint("node-a", A, ""), new Endpoint("node-b", B, "")), e.all(),
                "a WebSocket client skips a QUIC-only node and needs no pin");
        RelayEndpoints quic = new RelayEndpoints(List.of(URI.create("quic://q:2")));
        quic.learn(new ControlMessage.Nodes(List.of(new ControlMessage.NodeAddress("node-q", "", "quic://q:2", "ab"))));
        assertEquals(List.of(new Endpoint("node-q", URI.create("quic://q:2"), "ab")), quic.all());
        IllegalArgumentException mixed = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new RelayEndpoints(List.of(A, URI.create("quic://q:2"))));
        assertTrue(mixed.getMessage().contains("not both"), mixed.getMessage());
    }
}
