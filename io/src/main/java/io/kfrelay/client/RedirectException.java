package io.kfrelay.client;

import java.io.IOException;
import java.util.List;

/**
 * A join the relays kept redirecting ({@link KfRelayClient#MAX_REDIRECTS} times already), or redirected to a node
 * this client cannot reach (no URL of its transport). {@link #hops()} names each node the join was sent to, in order,
 * as "NODE (URL)"; the last one is the redirect that was not followed.
 */
public final class RedirectException extends IOException {
    private final List<String> hops;

    public RedirectException(String message, List<String> hops) {
        super(message);
        this.hops = List.copyOf(hops);
    }

    public List<String> hops() {
        return hops;
    }
}
