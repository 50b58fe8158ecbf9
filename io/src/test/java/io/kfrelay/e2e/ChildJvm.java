package io.kfrelay.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A main class of the test classpath in a JVM of its own, run with the launcher's JVM flags (taken from this JVM,
 * which failsafe starts with the same line), optionally inside a command prefix such as {@code ip netns exec NS}.
 * The test talks to it in lines: the child's stdout lines are kept for {@link #awaitLine}, {@link #send} writes a
 * line to its stdin. Its stderr goes to a log file for failure messages.
 *
 * <p>The child must call {@link #linesFromParent()} first: that makes it exit when its stdin closes, which happens
 * on {@link #close()} and also when this JVM dies without closing it, so no child outlives its test.
 */
final class ChildJvm implements AutoCloseable {
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final Process process;
    private final Path stderr;
    private final OutputStream stdin;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private ChildJvm(String name, Process process, Path stderr) {
        this.name = name;
        this.process = process;
        this.stderr = stderr;
        this.stdin = process.getOutputStream();
        this.reader = Thread.ofPlatform().daemon().name("stdout-" + name).start(this::readLines);
    }

    /**
     * Starts {@code main} with {@code args}; {@code wrap} may put a prefix in front of the java command line.
     * Its stderr goes to {@code logDir/NAME.err}.
     */
    static ChildJvm start(String name, UnaryOperator<List<String>> wrap, List<String> jvmOptions, Class<?> main,
                          List<String> args, Path logDir) throws IOException {
        List<String> java = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        java.addAll(launcherFlags());
        java.addAll(jvmOptions);
        java.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        java.addAll(args);
        Files.createDirectories(logDir);
        Path err = logDir.resolve(name + ".err");
        Process p = new ProcessBuilder(wrap.apply(java)).redirectError(err.toFile()).start();
        return new ChildJvm(name, p, err);
    }

    /** The {@code --...} flags this JVM was started with: the launcher's line (pom.xml kfrelay.jvm.flags). */
    private static List<String> launcherFlags() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("--")).toList();
    }

    private void readLines() {
        var in = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8);
        try (BufferedReader r = new BufferedReader(in)) {
            for (String line; (line = r.readLine()) != null; ) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException closed) {
            // the child is gone
        }
    }

    /**
     * Waits for the first stdout line (from the beginning) that starts with {@code prefix}; fails with everything
     * the child said if none comes within {@code limit} or the child exits first.
     */
    String awaitLine(String prefix, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (lines) {
            while (true) {
                for (String line : lines) {
                    if (line.startsWith(prefix)) {
                        return line;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    throw new AssertionError(name + ": no line '" + prefix + "...' within " + limit.toMillis() + " ms"
                            + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")") + "; " + transcript());
                }
                lines.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
            }
        }
    }

    /** Waits for the child to exit by itself and for its last stdout line; returns its exit status. */
    int awaitExit(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " did not exit within " + limit.toMillis() + " ms; " + transcript());
        }
        reader.join(EXIT_TIMEOUT.toMillis());
        return process.exitValue();
    }

    /** The child's process id. */
    long pid() {
        return process.pid();
    }

    /** Sends {@code signal} (STOP, CONT, KILL, TERM) to the child with {@code kill}; fails if kill does. */
    void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed: "
                    + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** The stdout lines so far. */
    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** Sends one line to the child's stdin. */
    void send(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** What the child said so far: its stdout lines and the end of its stderr. */
    String transcript() {
        String out;
        synchronized (lines) {
            out = String.join("\n  ", lines);
        }
        String err;
        try {
            err = Files.readString(stderr);
        } catch (IOException e) {
            err = "(" + e + ")";
        }
        if (err.length() > 4000) {
            err = "..." + err.substring(err.length() - 4000);
        }
        return "stdout of " + name + ":\n  " + out + "\nstderr of " + name + " (" + stderr + "):\n" + err;
    }

    /** Kills the child at once (SIGKILL, as {@code kill -9}: no shutdown hook runs) and waits for it to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " did not die within " + EXIT_TIMEOUT);
        }
    }

    /**
     * Closes its stdin (the child exits by itself, gracefully), waits a bounded time, then kills it and whatever it
     * started. Also when the test's thread was interrupted (a timeout): the waits here are bounded, and the
     * interrupt is passed on afterwards.
     */
    @Override
    public void close() {
        boolean interrupted = Thread.interrupted();
        try {
            try {
                stdin.close();
            } catch (IOException alreadyGone) {
                // exited
            }
            if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            reader.join(EXIT_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            interrupted = true;
            process.destroyForcibly();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * For the child's main, first thing: the lines the parent sends, and an exit (status 0, so shutdown hooks run)
     * as soon as the parent closes stdin or dies.
     */
    static BlockingQueue<String> linesFromParent() {
        BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name("parent-link").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    queue.add(line);
                }
            } catch (IOException e) {
                // same as end of input
            }
            System.exit(0);
        });
        return queue;
    }
}
