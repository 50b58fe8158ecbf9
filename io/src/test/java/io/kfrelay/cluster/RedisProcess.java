package io.kfrelay.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private Redis for one test: Debian's {@code redis-server} as a child process (not daemonized) on a free loopback
 * port, without persistence ({@code --save "" --appendonly no}), so a restart starts empty. Stopped by
 * {@link #close()}. Fails with a clear message when redis-server is not installed ({@code .ci/install-test-deps}).
 */
public final class RedisProcess implements AutoCloseable {
    private static final long START_TIMEOUT_MS = 5_000;

    private final int port;
    private final String host;
    private final Path log;
    private Process process;

    private RedisProcess(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.log = Files.createTempFile("kfrelay-redis-" + port + "-", ".log");
    }

    /** Starts one on a free loopback port. */
    public static RedisProcess start() throws IOException, InterruptedException {
        return start(java.net.InetAddress.getLoopbackAddress());
    }

    /**
     * Starts one on a free port of {@code address} (a test's own host address, say the host end of a veth pair that
     * relays in a network namespace reach). Protected mode is off: only that address listens.
     */
    public static RedisProcess start(java.net.InetAddress address) throws IOException, InterruptedException {
        RedisProcess r = new RedisProcess(address.getHostAddress(), freePort(address));
        r.launch();
        return r;
    }

    public int port() {
        return port;
    }

    /** {@code redis://HOST:PORT}, 127.0.0.1 unless started on another address. */
    public String uri() {
        return "redis://" + host + ":" + port;
    }

    private void launch() throws IOException, InterruptedException {
        String binary = binary();
        process = new ProcessBuilder(List.of(binary, "--port", Integer.toString(port), "--bind", host,
                "--protected-mode", "no", "--save", "", "--appendonly", "no", "--daemonize", "no"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        while (!ping()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                stop();
                throw new IOException("redis-server did not answer on port " + port + " within " + START_TIMEOUT_MS
                        + " ms; its log: " + Files.readString(log));
            }
            Thread.sleep(10);
        }
    }

    private static String binary() throws IOException {
        for (String candidate : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IOException("redis-server is not installed: the cluster tests need Debian's redis-server "
                + "(apt-get install -y redis-server, or .ci/install-test-deps)");
    }

    /** Whether it answers PING now. */
    public boolean ping() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 200);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] b = new byte[7];
            int n = in.readNBytes(b, 0, 7);
            return n == 7 && new String(b, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops it (its data is gone: no persistence); waits until the port no longer answers. */
    public void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        process = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ping() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /** Stops it and starts an empty one on the same port. */
    public void restart() throws IOException, InterruptedException {
        stop();
        launch();
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (process != null) {
                process.destroyForcibly();
            }
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // a temp file
        }
    }

    private static int freePort(java.net.InetAddress address) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, address)) {
            return s.getLocalPort();
        }
    }
}
