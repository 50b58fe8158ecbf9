package io.kfrelay.admin;

import io.kfrelay.client.ClientListener;
import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.server.ListenAddress;
import io.kfrelay.server.RelayServer;
import io.kfrelay.server.ServerConfig;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real relay on 127.0.0.1 with its admin server, both on free ports, and the clients a test connects. */
final class AdminRelay implements AutoCloseable {
    final RelayServer server;
    final AdminHttp admin;
    private final List<KfRelayClient> clients = new ArrayList<>();

    private AdminRelay(RelayServer server, String token) {
        this.server = server;
        this.admin = new AdminHttp(server.adminAddress(), token);
    }

    static AdminRelay start(RelayConfig relay) throws IOException {
        return start(relay, null);
    }

    /** {@code token}: the admin token the relay requires (null: none); the test's {@link #admin} presents it. */
    static AdminRelay start(RelayConfig relay, String token) throws IOException {
        ServerConfig net = ServerConfig.builder().wsListen("127.0.0.1", 0).eventLoopThreads(1).build();
        AdminConfig adminConfig = new AdminConfig(new ListenAddress("127.0.0.1", 0), token, token != null);
        return new AdminRelay(new RelayServer(net, relay).withAdmin(adminConfig).start(), token);
    }

    URI url() {
        return URI.create("ws://127.0.0.1:" + server.wsPort());
    }

    /** Connects a client and joins it to {@code room} (5 s at most). */
    KfRelayClient join(String room, String identity, ClientListener listener) throws Exception {
        KfRelayClient c = connect(listener);
        c.join(room, identity, "").get(5, TimeUnit.SECONDS);
        return c;
    }

    /** Connects a client without joining (5 s at most). */
    KfRelayClient connect(ClientListener listener) throws Exception {
        KfRelayClient c = KfRelayClient.connect(url(), ClientOptions.defaults(), listener).get(5, TimeUnit.SECONDS);
        synchronized (clients) {
            clients.add(c);
        }
        return c;
    }

    Scrape scrape() throws Exception {
        var response = admin.get("/metrics");
        if (response.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + response.statusCode() + ": " + response.body());
        }
        return Scrape.parse(response.body());
    }

    @Override
    public void close() {
        synchronized (clients) {
            clients.forEach(KfRelayClient::close);
        }
        server.close();
    }
}
