package io.kfrelay.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code kfrelay serve} in a JVM of its own, as an operator starts it (the command line's defaults, the launcher's
 * JVM flags and collector), listening for WebSocket, QUIC and admin on ephemeral ports of one address. Its URLs,
 * certificate pin and admin address are read from what it prints at start-up. Stopped gracefully by
 * {@link #close()}.
 */
final class RelayProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern WS = Pattern.compile("kfrelay serving (wss?://\\S+)");
    private static final Pattern QUIC = Pattern.compile("kfrelay serving (quic://\\S+)");
    private static final Pattern WEB = Pattern.compile("web app: (https?://\\S+)");
    private static final Pattern PIN = Pattern.compile("certificate SHA-256 (\\S+)");
    private static final Pattern ADMIN = Pattern.compile("kfrelay admin on (http://\\S+)");
    /** The metric families a late-join failure is explained by. */
    private static final Pattern TELLING_METRIC = Pattern.compile(
            "kfrelay_(drops|keyframes_rejected|keyframe_requests|replay|cache|gop|transport_(?!connections|joins)|quic_).*");

    private final ChildJvm jvm;
    private final URI ws;
    private final URI quic;
    private final String pin;
    private final URI admin;

    private RelayProcess(ChildJvm jvm, String startup) {
        this.jvm = jvm;
        this.ws = URI.create(find(WS, startup));
        this.quic = URI.create(find(QUIC, startup));
        this.pin = find(PIN, startup);
        this.admin = URI.create(find(ADMIN, startup));
    }

    /**
     * Starts {@code serve} as node {@code nodeId} of the cluster in Redis {@code redisUri}, with short claims
     * ({@code lease}, {@code refresh}) so tests see expiries within seconds.
     */
    static RelayProcess startClustered(InetAddress address, String redisUri, String nodeId, Duration lease,
                                       Duration refresh, Path logDir) throws Exception {
        return start(address, List.of("--cluster", redisUri, "--node-id", nodeId,
                "--cluster-lease", lease.toMillis() + "ms", "--cluster-refresh", refresh.toMillis() + "ms"), logDir);
    }

    /** Starts {@code serve} on {@code address} with {@code options} on top of the defaults. */
    static RelayProcess start(InetAddress address, List<String> options, Path logDir) throws Exception {
        return start(UnaryOperator.identity(), address, options, logDir);
    }

    /**
     * The same, its java command line inside {@code wrap}'s prefix (a {@link RateLimitedLink}'s {@code inside}: a
     * relay on the namespace's own address, another host).
     */
    static RelayProcess start(UnaryOperator<List<String>> wrap, InetAddress address, List<String> options, Path logDir)
            throws Exception {
        String host = address.getHostAddress();
        List<String> args = new ArrayList<>(List.of("serve", "--ws-listen", host + ":0", "--quic-listen", host + ":0",
                "--admin-listen", host + ":0"));
        args.addAll(options);
        // ZGC as ./kfrelay serve runs it (KFRELAY_GC_OPTS' default).
        ChildJvm jvm = ChildJvm.start("relay", wrap, List.of("-XX:+UseZGC"), Child.class, args, logDir);
        try {
            jvm.awaitLine("kfrelay admin on", START_TIMEOUT); // the last start-up line
            return new RelayProcess(jvm, jvm.transcript());
        } catch (Throwable t) {
            jvm.close();
            throw t;
        }
    }

    URI url(Transport transport) {
        return transport == Transport.QUIC ? quic : ws;
    }

    /** Its web app's base URL ({@code http://HOST:PORT/}, or https with --tls-cert), as it printed it. */
    URI web() {
        return URI.create(find(WEB, jvm.transcript()));
    }

    /** Its admin port's base URL (the live page at /, the JSON API under /api/). */
    URI admin() {
        return admin;
    }

    /** The SHA-256 fingerprint of its self-signed QUIC certificate, as clients pin it. */
    String pin() {
        return pin;
    }

    /** Its non-zero drop, cache, replay and transport counters from {@code /metrics}, one per line. */
    String tellingMetrics() {
        return metrics(TELLING_METRIC);
    }

    /** Its non-zero samples from {@code /metrics} whose line matches {@code lines}, one per line. */
    String metrics(Pattern lines) {
        try {
            return metricsText().lines()
                    .filter(l -> lines.matcher(l).matches() && !l.contains("_bucket{") && !l.endsWith(" 0")
                            && !l.endsWith(" 0.0"))
                    .collect(Collectors.joining("\n  ", "  ", ""));
        } catch (IOException e) {
            return "(metrics unavailable: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    /**
     * The sum of the samples of metric {@code name} whose labels contain {@code labels} (empty: all of them), e.g.
     * {@code counter("kfrelay_gops_closed_total", "reason=\"gap\"")}.
     */
    double counter(String name, String labels) throws IOException, InterruptedException {
        return metricsText().lines()
                .filter(l -> (l.startsWith(name + " ") || l.startsWith(name + "{")) && l.contains(labels))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private String metricsText() throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(admin.resolve("/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    String transcript() {
        return jvm.transcript();
    }

    /** The relay's process id. */
    long pid() {
        return jvm.pid();
    }

    /** Pauses the relay ({@code kill -STOP}): it does nothing, its sockets stay open, until {@link #resume}. */
    void pause() throws IOException, InterruptedException {
        jvm.signal("STOP");
    }

    /** {@code kill -CONT}. */
    void resume() throws IOException, InterruptedException {
        jvm.signal("CONT");
    }

    /** {@code kill -9}: gone at once, nothing cleaned up. */
    void kill() throws IOException, InterruptedException {
        jvm.signal("KILL");
    }

    /** Waits for the relay to exit by itself (a drain, or a stop); its exit status. */
    int awaitExit(Duration limit) throws InterruptedException {
        return jvm.awaitExit(limit);
    }

    @Override
    public void close() {
        jvm.close();
    }

    private static String find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            throw new AssertionError("the relay did not print " + p + "; " + text);
        }
        return m.group(1);
    }

    /** The child's main: {@code kfrelay serve ...} until the test closes its stdin. */
    public static final class Child {
        public static void main(String[] args) {
            ChildJvm.linesFromParent();
            io.kfrelay.cli.Main.main(args);
        }
    }
}
