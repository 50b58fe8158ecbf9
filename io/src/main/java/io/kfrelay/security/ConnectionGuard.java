package io.kfrelay.security;

import io.kfrelay.security.SecurityMetrics.Counter;

/**
 * One connection's view of the {@link SecurityGate}: its ingress budget, its JOIN decision and its place in
 * the per-address count of connections not yet joined. Used from the connection's own thread (its event loop).
 */
public final class ConnectionGuard {
    private final SecurityGate gate;
    /** The peer's {@link AddressKey}, boxed once for the per-address tables; null without an IP address. */
    private final Long address;
    private final IngressLimiter ingress;
    private boolean waiting = true;

    ConnectionGuard(SecurityGate gate, Long address, IngressLimiter ingress) {
        this.gate = gate;
        this.address = address;
        this.ingress = ingress;
    }

    /**
     * Whether one inbound message of {@code length} bytes fits the connection's rate. A dropped message is
     * counted; {@link IngressLimiter.Verdict#DISCONNECT} (counted too) means close with RATE_LIMITED.
     */
    public IngressLimiter.Verdict admit(int length) {
        IngressLimiter.Verdict v = ingress.admit(length, gate.nanoTime());
        if (v != IngressLimiter.Verdict.ADMIT) {
            SecurityMetrics m = gate.metrics();
            m.increment(Counter.RATE_LIMITED_MESSAGES);
            m.add(Counter.RATE_LIMITED_BYTES, length);
            if (v == IngressLimiter.Verdict.DISCONNECT) {
                m.increment(Counter.RATE_LIMIT_DISCONNECTS);
            }
        }
        return v;
    }

    /** Whether a control message of {@code length} bytes is over the limit (counted if so: refuse with TOO_LARGE). */
    public boolean controlTooLarge(int length) {
        if (length > gate.maxControlBytes()) {
            gate.metrics().increment(Counter.CONTROL_TOO_LARGE);
            return true;
        }
        return false;
    }

    /** Decides this connection's JOIN; once admitted, the connection no longer counts as waiting. */
    public JoinDecision join(String room, String identity, String token) {
        JoinDecision d = gate.decide(address, room, identity, token);
        if (d instanceof JoinDecision.Admit) {
            stopWaiting();
        }
        return d;
    }

    /** The connection is gone (idempotent). */
    public void closed() {
        stopWaiting();
    }

    private void stopWaiting() {
        if (waiting) {
            waiting = false;
            gate.doneWaiting(address);
        }
    }
}
