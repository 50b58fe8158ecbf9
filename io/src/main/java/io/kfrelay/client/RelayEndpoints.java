package io.kfrelay.client;

import io.kfrelay.protocol.ControlMessage;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The relays a client knows of, all of its one transport ({@code ws://}/{@code wss://}, or {@code quic://}): the URLs
 * it was given, then what NODES messages taught it. Where a reconnection goes next. Thread-safe.
 */
final class RelayEndpoints {
    /** Most relays remembered: a cluster is a handful of nodes; a hostile NODES cannot grow the list further. */
    static final int MAX_ENDPOINTS = 256;

    /** One relay: its node id ("" while unknown), its URL for this client's transport, its QUIC pin or "". */
    record Endpoint(String node, URI url, String quicPin) {
        /** The node id, or the URL's host:port while the id is unknown. */
        String label() {
            return node.isEmpty() ? String.valueOf(url.getAuthority()) : node;
        }
    }

    private final boolean quic;
    private final List<Endpoint> endpoints = new ArrayList<>();
    private boolean learned;

    /**
     * @throws IllegalArgumentException without URLs, or with URLs of both transports (one client speaks one)
     */
    RelayEndpoints(List<URI> urls) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("at least one relay URL is needed");
        }
        this.quic = isQuic(urls.getFirst());
        for (URI u : urls) {
            if (isQuic(u) != quic) {
                throw new IllegalArgumentException("relay URLs must all be ws:// or wss://, or all quic://, not both: "
                        + urls);
            }
            if (endpoints.stream().noneMatch(e -> e.url().equals(u))) {
                endpoints.add(new Endpoint("", u, ""));
            }
        }
    }

    static boolean isQuic(URI url) {
        return "quic".equals(url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT));
    }

    boolean quic() {
        return quic;
    }

    /** Adds the nodes of a NODES message that have a URL of this transport; a known URL gets the node's id and pin. */
    synchronized void learn(ControlMessage.Nodes nodes) {
        learned = true;
        for (ControlMessage.NodeAddress n : nodes.nodes()) {
            String target = quic ? n.quic() : n.ws();
            if (target.isEmpty()) {
                continue;
            }
            URI url;
            try {
                url = URI.create(target);
            } catch (IllegalArgumentException e) {
                continue; // a node advertising an unusable URL is one this client cannot go to
            }
            Endpoint learnedOne = new Endpoint(n.id(), url, quic ? n.quicPin() : "");
            int known = indexOf(url);
            if (known >= 0) {
                endpoints.set(known, learnedOne);
            } else if (endpoints.size() < MAX_ENDPOINTS) {
                endpoints.add(learnedOne);
            }
        }
    }

    /** Whether reconnecting has somewhere to go: more than one relay, or the cluster told of itself. */
    synchronized boolean severalOrLearned() {
        return learned || endpoints.size() > 1;
    }

    /** The endpoint of {@code url} if known, else one without a node id. */
    synchronized Endpoint at(URI url) {
        int i = indexOf(url);
        return i >= 0 ? endpoints.get(i) : new Endpoint("", url, "");
    }

    /** Every endpoint, starting after {@code lost} and ending with it: where to try, in order. */
    synchronized List<Endpoint> after(URI lost) {
        int i = indexOf(lost);
        List<Endpoint> order = new ArrayList<>(endpoints.size());
        for (int k = 1; k <= endpoints.size(); k++) {
            order.add(endpoints.get(Math.floorMod(i + k, endpoints.size())));
        }
        return order;
    }

    synchronized List<Endpoint> all() {
        return List.copyOf(endpoints);
    }

    private int indexOf(URI url) {
        for (int i = 0; i < endpoints.size(); i++) {
            if (endpoints.get(i).url().equals(url)) {
                return i;
            }
        }
        return -1;
    }
}
