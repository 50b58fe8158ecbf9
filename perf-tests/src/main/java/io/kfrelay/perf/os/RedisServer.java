package io.kfrelay.perf.os;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A private Redis for one perf run: {@code redis-server} from PATH as a child process (under {@code timeout(1)}, so
 * it ends by itself even if the harness is killed) on a loopback port, without persistence. Stopped by
 * {@link #close()}.
 */
public final class RedisServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final int port;

    private RedisServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The first executable {@code redis-server} in the directories of {@code path} (a PATH value), if any. */
    public static Optional<Path> find(String path) {
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, "redis-server");
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** Starts one on {@code port}, writing its output to {@code log}; it lives at most {@code lifetime}. */
    public static RedisServer start(int port, Path log, Duration lifetime) throws IOException, InterruptedException {
        Path binary = find(System.getenv("PATH")).orElseThrow(() -> new IOException("redis-server is not on PATH: "
                + "the cascade scenario runs its own Redis (apt-get install -y redis-server, or .ci/install-test-deps)"));
        Process p = new ProcessBuilder(List.of("timeout", "-s", "TERM", "-k", "5", Long.toString(lifetime.toSeconds()),
                binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
        RedisServer r = new RedisServer(p, port);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!r.ping()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                r.close();
                throw new IOException("redis-server did not answer on port " + port + " within "
                        + START_TIMEOUT.toSeconds() + " s; see " + log);
            }
            Thread.sleep(20);
        }
        return r;
    }

    /** {@code redis://127.0.0.1:PORT}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    private boolean ping() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] b = in.readNBytes(7);
            return new String(b, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM to it (timeout(1) passes it on), SIGKILL after 5 s. */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
