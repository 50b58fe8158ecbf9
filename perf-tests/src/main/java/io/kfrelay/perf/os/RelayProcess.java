package io.kfrelay.perf.os;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The relay under test: its own JVM, started through the launcher ({@code ./kfrelay serve ...}) exactly as a
 * user would, with extra JVM options in {@code KFRELAY_JAVA_OPTS}. Its output goes to a log file.
 *
 * <p>It runs under {@code timeout(1)}, so even if the harness dies without cleaning up the relay ends by itself
 * after {@code maxLifetime}. The launcher {@code exec}s java, so the launcher's pid becomes the relay JVM's pid:
 * that is the pid whose /proc entries are read.
 */
public final class RelayProcess implements AutoCloseable {
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    private final Process timeout;
    private final long pid;
    private final URI url;
    private final Path log;
    private final List<String> command;

    private RelayProcess(Process timeout, long pid, URI url, Path log, List<String> command) {
        this.timeout = timeout;
        this.pid = pid;
        this.url = url;
        this.log = log;
        this.command = command;
    }

    /**
     * Starts the relay and waits until it prints where it serves.
     *
     * @param prefix       what runs the command (e.g. {@code taskset -c 0}), which must exec it; or empty
     * @param scheme       the URL scheme to look for in the startup line: "ws" or "quic"
     * @param startTimeout how long to wait for that line (the launcher may have to build first)
     */
    public static RelayProcess start(List<String> prefix, Path launcher, List<String> serveArgs, String javaOpts,
                                     String scheme, Path log, Duration maxLifetime, Duration startTimeout)
            throws IOException {
        // A prefix (taskset -c) execs what follows, so the started process is still timeout(1).
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of("timeout", "-s", "TERM", "-k", "10",
                Long.toString(maxLifetime.toSeconds()), launcher.toString(), "serve"));
        command.addAll(serveArgs);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("KFRELAY_JAVA_OPTS", javaOpts);
        // ./kfrelay perf has just built the jar: the relay runs that one, never a rebuild of half-edited sources.
        pb.environment().put("KFRELAY_SKIP_BUILD", "1");
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process p = pb.start();
        CompletableFuture<URI> serving = new CompletableFuture<>();
        Thread pump = Thread.ofPlatform().daemon().name("relay-output").start(() -> pump(p, log, scheme, serving));
        try {
            URI url = serving.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
            long pid = p.toHandle().children().findFirst()
                    .orElseThrow(() -> new IOException("the relay launcher has no child process")).pid();
            return new RelayProcess(p, pid, url, log, List.copyOf(command));
        } catch (TimeoutException | ExecutionException | IOException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IOException("the relay did not start (see " + log + "): "
                    + (e instanceof ExecutionException ? e.getCause().getMessage() : e.getMessage()), e);
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the relay", e);
        } finally {
            if (!serving.isDone()) {
                pump.interrupt();
            }
        }
    }

    private static void pump(Process p, Path log, String scheme, CompletableFuture<URI> serving) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.newLine();
                out.flush();
                if (!serving.isDone()) {
                    StartupLine.find(line, scheme).ifPresent(serving::complete);
                }
            }
            serving.completeExceptionally(new IOException("the relay exited (status "
                    + p.waitFor() + ") before printing a " + scheme + ":// address"));
        } catch (IOException e) {
            serving.completeExceptionally(new UncheckedIOException(e));
        } catch (InterruptedException e) {
            serving.completeExceptionally(e);
        }
    }

    /** Runs {@code launcher serve --help} and returns what it prints (to learn which options this relay has). */
    public static String serveHelp(Path launcher, Duration timeout) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "serve", "--help").redirectErrorStream(true);
        pb.environment().put("KFRELAY_SKIP_BUILD", "1");
        Process p = pb.start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException("'" + launcher + " serve --help' did not finish in " + timeout.toSeconds() + " s");
        }
        return new String(out.join(), StandardCharsets.UTF_8);
    }

    /** The relay JVM's pid. */
    public long pid() {
        return pid;
    }

    /** Where clients connect, as printed by the relay. */
    public URI url() {
        return url;
    }

    public Path log() {
        return log;
    }

    public List<String> command() {
        return command;
    }

    public boolean isAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Exit status once it has ended. */
    public Optional<Integer> exitStatus() {
        return timeout.isAlive() ? Optional.empty() : Optional.of(timeout.exitValue());
    }

    /** SIGKILL to the relay's JVM, as a crashed machine would (no goodbye, no registry clean-up). */
    public void kill() {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** SIGTERM (the relay shuts down gracefully), then SIGKILL if it is still there after a grace period. */
    @Override
    public void close() {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        try {
            if (!timeout.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                timeout.destroyForcibly();
                timeout.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            timeout.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
