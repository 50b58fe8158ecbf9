package io.kfrelay.cli;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.RelayErrorException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

@Command(name = "record", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Join a room as a subscriber and record what arrives: each video stream as "
                + "DIR/<sender>-<stream>.h264 (Annex-B, complete frames in arrival order) and every packet as a line "
                + "of DIR/packets.jsonl (arrival time in epoch microseconds, sender, stream, kind, seq, flags, size).",
                "Exits 0 after --duration or on Ctrl-C; exits 1 with the relay's error code and reason if it refuses the join."})
final class RecordCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** --pin, --insecure: trusting a quic:// relay. */
    @Mixin
    ClientTlsOptions tls;

    @Option(names = "--url", required = true, paramLabel = "URL", converter = Converters.RelayUrl.class,
            description = "Relay to record from: ws://HOST:PORT[/path] (no path means /) or quic://HOST:PORT.")
    URI url;

    @Option(names = "--room", required = true, paramLabel = "ROOM", description = "Room to join.")
    String room;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the recording (created if needed).")
    Path out;

    @Option(names = "--duration", defaultValue = "4s", paramLabel = "DURATION", converter = Converters.Time.class,
            description = "How long to record: 500ms, 4s, 1m... (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--identity", defaultValue = "recorder", paramLabel = "NAME",
            description = "How others see this participant (default: ${DEFAULT-VALUE}).")
    String identity;

    @Option(names = "--token", defaultValue = "", paramLabel = "TOKEN", description = "Credential for the relay, if it wants one.")
    String token;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (duration.isNegative() || duration.isZero()) {
            err.println("kfrelay record: --duration must be positive");
            return 2;
        }
        Recorder recorder;
        try {
            recorder = Recorder.start(url, room, identity, token, out,
                    ClientOptions.builder().quic(tls.quicOptions()).build(), err);
        } catch (RelayErrorException e) {
            err.println("kfrelay record: " + e.getMessage());
            return 1;
        } catch (IOException | TimeoutException | IllegalArgumentException e) {
            err.println("kfrelay record: " + e.getMessage());
            return 1;
        }
        GracefulExit exit = GracefulExit.arm(() -> stdout.println("recorded " + recorder.stop()));
        try {
            recorder.closeFuture().get(duration.toMillis(), TimeUnit.MILLISECONDS);
            err.println("kfrelay record: the relay closed the connection");
        } catch (TimeoutException endOfDuration) {
            // the normal end
        }
        try {
            stdout.println("recorded " + recorder.stop());
        } catch (UncheckedIOException e) {
            err.println("kfrelay record: " + e.getMessage() + ": " + e.getCause().getMessage());
            exit.disarm();
            return 1;
        }
        exit.disarm();
        return 0;
    }
}
