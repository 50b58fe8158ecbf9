package io.kfrelay.e2e;

import io.kfrelay.cli.Main;

import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.function.UnaryOperator;

/**
 * {@code kfrelay record} in a JVM of its own, possibly on another host (inside a {@link RateLimitedLink}'s
 * namespace), started on cue: the JVM starts and warms up first (one short recording in a room of its own, so the
 * classes of the client and its transport are loaded), then {@link #go()} runs the real command at once. The child
 * reports the wall-clock time of the start and of every line the command prints, in the same clock (microseconds
 * since the epoch) as the recording's {@code packets.jsonl}.
 */
final class RecorderProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final ChildJvm jvm;
    private final Duration duration;

    /**
     * What the run showed.
     *
     * @param startMicros  when the command started (it connects, then joins)
     * @param joinedMicros when it printed that it had joined (the relay's JOINED arrived)
     * @param summary      its "recorded ..." line
     */
    record Run(long startMicros, long joinedMicros, int status, String summary) {
    }

    private RecorderProcess(ChildJvm jvm, Duration duration) {
        this.jvm = jvm;
        this.duration = duration;
    }

    /**
     * Starts the JVM (inside {@code wrap}'s prefix) and waits until it has warmed up. {@code pin} is the relay's
     * certificate fingerprint for quic:// URLs, or null.
     */
    static RecorderProcess start(UnaryOperator<List<String>> wrap, URI url, String pin, String room, Path out,
                                 Duration duration, Path logDir) throws Exception {
        return start(wrap, url, pin, room, out, duration, List.of(), logDir);
    }

    /** The same, with more {@code kfrelay record} options (e.g. {@code --layer auto}) for the real recording. */
    static RecorderProcess start(UnaryOperator<List<String>> wrap, URI url, String pin, String room, Path out,
                                 Duration duration, List<String> options, Path logDir) throws Exception {
        List<String> args = new ArrayList<>(List.of(url.toString(), pin == null ? "-" : pin, room, out.toString(),
                duration.toMillis() + "ms"));
        args.addAll(options);
        ChildJvm jvm = ChildJvm.start("recorder", wrap, List.of("-Xmx512m"), Child.class, args, logDir);
        try {
            jvm.awaitLine("ready", READY_TIMEOUT);
            return new RecorderProcess(jvm, duration);
        } catch (Throwable t) {
            jvm.close();
            throw t;
        }
    }

    /** Starts the recording now; returns when it has started. */
    void go() throws Exception {
        jvm.send("go");
        jvm.awaitLine("start ", Duration.ofSeconds(5));
    }

    /** Waits for the recording to end (its duration and a margin). */
    Run finish() throws Exception {
        String exit = jvm.awaitLine("exit ", duration.plusSeconds(15));
        return run(Integer.parseInt(exit.substring("exit ".length()).strip()));
    }

    /**
     * Ends the recording before its duration, as Ctrl-C does ({@code kfrelay record} writes out what it has and
     * prints its summary, exit status 0); returns when the JVM has exited.
     */
    Run stop() throws Exception {
        jvm.awaitLine("start ", Duration.ofSeconds(5));
        jvm.send("stop");
        return run(jvm.awaitExit(Duration.ofSeconds(15)));
    }

    private Run run(int status) throws InterruptedException {
        long start = micros(jvm.awaitLine("start ", Duration.ofSeconds(5)));
        List<String> lines = jvm.lines();
        long joinedMicros = lines.stream().filter(l -> l.startsWith("err ") && l.contains(" recording room "))
                .mapToLong(RecorderProcess::micros).findFirst().orElse(-1);
        String summary = lines.stream().filter(l -> l.startsWith("out ")).map(l -> l.split(" ", 3)[2]).findFirst()
                .orElse("(no summary)");
        return new Run(start, joinedMicros, status, summary);
    }

    String transcript() {
        return jvm.transcript();
    }

    @Override
    public void close() {
        jvm.close();
    }

    /** The time in a "start MICROS" or "out|err MICROS LINE" line. */
    private static long micros(String line) {
        return Long.parseLong(line.split(" ")[1]);
    }

    private static long nowMicros() {
        return RecordedPackets.epochMicros(Instant.now());
    }

    /**
     * The child's main: URL PIN|- ROOM OUT DURATION [OPTION...]. Prints "ready" after the warm-up, waits for "go",
     * prints "start MICROS", runs {@code kfrelay record} printing each of its lines as "out|err MICROS LINE", then
     * "exit STATUS". A "stop" from the parent during the recording exits the JVM at once, which stops the recording
     * as a signal would.
     */
    public static final class Child {
        public static void main(String[] a) throws InterruptedException {
            BlockingQueue<String> parent = ChildJvm.linesFromParent();
            String url = a[0];
            String pin = a[1];
            Path out = Path.of(a[3]);
            Writer discard = Writer.nullWriter();
            int warm = Main.run(command(url, pin, "warm-up-" + a[2], out.resolveSibling(out.getFileName() + "-warm-up"),
                    "300ms", List.of()), Map.of(), new PrintWriter(discard), new PrintWriter(discard));
            if (warm != 0) {
                System.out.println("warm-up failed with status " + warm);
                System.exit(1);
            }
            System.out.println("ready");
            while (!parent.take().equals("go")) {
                // only "go" starts it
            }
            Thread.ofPlatform().daemon().name("stop").start(() -> {
                try {
                    while (!parent.take().equals("stop")) {
                        // only "stop" stops it
                    }
                    System.exit(0); // kfrelay record's shutdown hook stops the recording and halts with 0
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            System.out.println("start " + nowMicros());
            List<String> options = List.of(a).subList(5, a.length);
            int status = Main.run(command(url, pin, a[2], out, a[4], options), Map.of(),
                    new PrintWriter(new StampedLines("out"), true),
                    new PrintWriter(new StampedLines("err"), true));
            System.out.println("exit " + status);
            System.out.flush();
            System.exit(0);
        }

        private static String[] command(String url, String pin, String room, Path out, String duration,
                                        List<String> options) {
            List<String> c = new ArrayList<>(List.of("record", "--url", url, "--room", room, "--out", out.toString(),
                    "--duration", duration));
            if (!pin.equals("-")) {
                c.addAll(List.of("--pin", pin));
            }
            c.addAll(options);
            return c.toArray(String[]::new);
        }
    }

    /** Each complete line written to it goes to stdout as "KIND MICROS LINE", stamped when its end arrives. */
    private static final class StampedLines extends Writer {
        private final String kind;
        private final StringBuilder line = new StringBuilder();

        StampedLines(String kind) {
            this.kind = kind;
        }

        @Override
        public synchronized void write(char[] buf, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (buf[i] == '\n') {
                    System.out.println(kind + " " + nowMicros() + " " + line);
                    line.setLength(0);
                } else {
                    line.append(buf[i]);
                }
            }
        }

        @Override
        public void flush() {
            System.out.flush();
        }

        @Override
        public void close() {
        }
    }
}
