package io.kfrelay.client;

import io.kfrelay.client.RelayEndpoints.Endpoint;
import io.kfrelay.protocol.ControlMessage.Joined;
import io.kfrelay.protocol.ErrorCodes;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Brings a lost session back (docs/CLUSTER.md, "Clients and failover"): tries the known relays one after the other,
 * starting after the lost one (or at a REDIRECT's target), waiting the {@link ReconnectBackoff} delays between
 * attempts, until one JOINs (following REDIRECTs as a first JOIN does) or the time is up or a relay refuses the JOIN for
 * good (a token or name problem: trying elsewhere cannot help). What an attempt is, and what success and failure do to
 * the session, is the client's ({@link Attempts}). Thread-safe.
 */
final class Reconnector {

    /** The client's side of a reconnection. */
    interface Attempts {
        /** Connects to {@code to} and JOINs the session's room; completes with the JOINED where the join ends. */
        CompletableFuture<Joined> attempt(Endpoint to);

        /** The session is back: {@code joined} on the endpoint tried ({@code via}), {@code after} the loss. */
        void reconnected(Joined joined, Endpoint via, Duration after);

        /** The reconnection ended without a session (time up, or a final refusal). */
        void gaveUp(IOException why);

        /** Runs {@code task} after {@code delayNanos}, on any thread. */
        void schedule(long delayNanos, Runnable task);
    }

    private final ReconnectBackoff backoff;
    private final RelayEndpoints endpoints;
    private final Attempts attempts;
    private boolean active;
    /** Changes with every start and cancel: a late answer of an older reconnection is ignored. */
    private int generation;
    private List<Endpoint> order = List.of();
    private int next;
    private Throwable lastError;

    Reconnector(ReconnectBackoff backoff, RelayEndpoints endpoints, Attempts attempts) {
        this.backoff = backoff;
        this.endpoints = endpoints;
        this.attempts = attempts;
    }

    /**
     * The session's connection to {@code lost} ended for {@code cause}: starts trying, first at {@code first} (a
     * REDIRECT's target) if not null, then at every known relay after the lost one.
     */
    void start(URI lost, Endpoint first, Throwable cause) {
        int gen;
        synchronized (this) {
            active = true;
            gen = ++generation;
            backoff.restart();
            List<Endpoint> o = new ArrayList<>();
            if (first != null) {
                o.add(first);
            }
            for (Endpoint e : endpoints.after(lost)) {
                if (first == null || !e.url().equals(first.url())) {
                    o.add(e);
                }
            }
            order = o;
            next = 0;
            lastError = cause;
        }
        scheduleNext(gen);
    }

    /** Stops a reconnection under way (the client is closing): true if one was. */
    synchronized boolean cancel() {
        boolean was = active;
        active = false;
        generation++;
        return was;
    }

    synchronized boolean active() {
        return active;
    }

    private void scheduleNext(int gen) {
        long delay;
        IOException giveUp = null;
        synchronized (this) {
            if (!active || gen != generation) {
                return;
            }
            delay = backoff.nextDelayNanos();
            if (delay == ReconnectBackoff.GIVE_UP) {
                active = false;
                giveUp = new IOException("gave up reconnecting after " + backoff.attempts() + " attempts in "
                        + Duration.ofNanos(backoff.elapsedNanos()).toMillis() + " ms" + lastErrorText(), lastError);
            }
        }
        if (giveUp != null) {
            attempts.gaveUp(giveUp);
            return;
        }
        attempts.schedule(delay, () -> run(gen));
    }

    private void run(int gen) {
        Endpoint to;
        synchronized (this) {
            if (!active || gen != generation) {
                return;
            }
            to = order.get(next++ % order.size());
        }
        CompletableFuture<Joined> attempt;
        try {
            attempt = attempts.attempt(to);
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        attempt.whenComplete((joined, error) -> finished(gen, to, joined, error));
    }

    private void finished(int gen, Endpoint to, Joined joined, Throwable error) {
        Duration after;
        IOException refused = null;
        synchronized (this) {
            if (!active || gen != generation) {
                return;
            }
            after = Duration.ofNanos(backoff.elapsedNanos());
            if (error == null) {
                active = false;
            } else {
                Throwable cause = unwrap(error);
                lastError = cause;
                if (isFinal(cause)) {
                    active = false;
                    refused = new IOException("reconnecting ended: " + to.label() + " (" + to.url()
                            + ") refused the join for good: " + cause.getMessage(), cause);
                }
            }
        }
        if (error == null) {
            attempts.reconnected(joined, to, after);
        } else if (refused != null) {
            attempts.gaveUp(refused);
        } else {
            scheduleNext(gen);
        }
    }

    private String lastErrorText() {
        return lastError == null ? "" : "; last: " + lastError.getMessage();
    }

    /**
     * Whether a failed attempt ends the reconnection: a relay's refusal of this JOIN as such (token, grants, names,
     * malformed) would be the same anywhere. Unreachable relays, redirects, a relay shutting down, a full room or node,
     * rate limits and an unavailable cluster are worth another attempt.
     */
    static boolean isFinal(Throwable error) {
        if (!(error instanceof RelayErrorException e)) {
            return false;
        }
        return switch (e.code()) {
            case ErrorCodes.RELAY_SHUTTING_DOWN, ErrorCodes.ROOM_FULL, ErrorCodes.TOO_MANY_ROOMS,
                 ErrorCodes.RATE_LIMITED, ErrorCodes.TOO_MANY_JOINS, ErrorCodes.ROOM_ELSEWHERE,
                 ErrorCodes.CLUSTER_UNAVAILABLE -> false;
            default -> true;
        };
    }

    static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
