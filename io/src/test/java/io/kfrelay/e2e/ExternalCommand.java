package io.kfrelay.e2e;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One run of an external program (ip, tc, ffmpeg) with a time limit: its exit status and its output (stdout and
 * stderr together). A program that outlives the limit is killed and reported as a failure, never waited for.
 */
record ExternalCommand(List<String> command, int status, String output) {
    private static final ProcessBuilder.Redirect NO_INPUT = ProcessBuilder.Redirect.from(new File("/dev/null"));

    static ExternalCommand run(Duration limit, List<String> command) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(NO_INPUT).start();
        } catch (IOException e) {
            return new ExternalCommand(command, -1, "cannot start: " + e.getMessage());
        }
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()),
                r -> Thread.ofPlatform().daemon().name("output-" + command.getFirst()).start(r));
        try {
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + limit.toMillis() + " ms");
            }
            return new ExternalCommand(command, p.exitValue(), output.get(5, TimeUnit.SECONDS).strip());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + String.join(" ", command), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("cannot read the output of " + String.join(" ", command), e);
        }
    }

    static ExternalCommand run(Duration limit, String... command) {
        return run(limit, List.of(command));
    }

    /** Runs {@code command} and fails (with its output) unless it exits 0; returns its output. */
    static String require(Duration limit, String... command) {
        ExternalCommand c = run(limit, command);
        if (!c.ok()) {
            throw new AssertionError(c.toString());
        }
        return c.output();
    }

    boolean ok() {
        return status == 0;
    }

    @Override
    public String toString() {
        return String.join(" ", command) + " exited " + status + (output.isEmpty() ? "" : ": " + output);
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
