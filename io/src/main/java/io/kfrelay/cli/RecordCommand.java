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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

@Command(name = "record", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Join a room as a subscriber and record what arrives: each video stream as "
                + "DIR/<sender>-<stream>.h264 (Annex-B, complete frames in arrival order), each audio stream as "
                + "DIR/<sender>-<stream>.opus (Ogg Opus; lost audio filled by concealment) and every packet as a line "
                + "of DIR/packets.jsonl (arrival time in epoch microseconds, sender, stream, kind, seq, flags, size).",
                "A simulcast source is recorded as one file, DIR/<sender>-<source>.h264, across its layer switches "
                + "(each at a keyframe with SPS/PPS); DIR/layers.jsonl logs the layers asked for and the relay's LAYER "
                + "messages, in the same clock as the packets.",
                "Exits 0 after --duration or on Ctrl-C; exits 1 with the relay's error code and reason if it refuses the join."})
final class RecordCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** --pin, --insecure: trusting a quic:// or wss:// relay. */
    @Mixin
    ClientTlsOptions tls;

    @Option(names = "--url", required = true, paramLabel = "URL[,URL...]", split = ",", converter = Converters.RelayUrl.class,
            description = {"Relay to record from: ws://HOST:PORT[/path] (no path means /), wss://HOST:PORT[/path] or quic://HOST:PORT.",
                    "Several relays of one cluster (comma-separated or repeated, all ws/wss or all quic): the first that "
                    + "answers is used, and when it is lost the recorder reconnects to another (backoff, up to 30 s; "
                    + "docs/CLUSTER.md) and goes on writing the same files (a publisher is matched by identity and "
                    + "stream id), printing 'reconnected to NODE (URL) after N ms'."})
    List<URI> urls;

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

    @Option(names = "--layer", defaultValue = "auto", paramLabel = "N|auto", converter = Converters.Layer.class,
            description = "Layer of every simulcast source: 0 (the lowest quality), 1, 2, or auto, the relay's choice "
                    + "by what the link takes (default: ${DEFAULT-VALUE}). A number joins subscribed to nothing (JOIN "
                    + "option MANUAL_SUBSCRIBE) and subscribes to every stream itself, to each source at that layer.")
    int layer;

    @Option(names = "--switch-layer-at", paramLabel = "TIME:LAYER", converter = Converters.LayerSwitch.class,
            description = "At TIME after joining (500ms, 2s...), ask for LAYER (0.., or auto) of every simulcast source "
                    + "recorded. Repeatable: --switch-layer-at 2s:0 --switch-layer-at 4s:2.")
    List<LayerSwitch> switches = new ArrayList<>();

    @Option(names = "--subscribe", paramLabel = "IDENTITY/STREAM", converter = Converters.Stream.class,
            description = "Record only this stream of the participant(s) with this identity (for a simulcast source, "
                    + "any of its stream ids); joins subscribed to nothing and asks for each named stream as it "
                    + "appears. Repeatable. Without it: every stream of the room.")
    List<Recorder.StreamName> subscribe = new ArrayList<>();

    /** A layer to ask for at a time after joining. */
    record LayerSwitch(Duration at, int layer) {
        static LayerSwitch parse(String value) {
            int colon = value.lastIndexOf(':');
            if (colon < 1) {
                throw new IllegalArgumentException("a layer switch is TIME:LAYER (2s:0, 1500ms:auto), not '" + value + "'");
            }
            Duration at = Units.parseDuration(value.substring(0, colon));
            if (at.isNegative()) {
                throw new IllegalArgumentException("a layer switch's time must not be negative: '" + value + "'");
            }
            return new LayerSwitch(at, Recorder.Selection.parseLayer(value.substring(colon + 1)));
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (duration.isNegative() || duration.isZero()) {
            err.println("kfrelay record: --duration must be positive");
            return 2;
        }
        List<LayerSwitch> plan = switches.stream().sorted(Comparator.comparing(LayerSwitch::at)).toList();
        for (LayerSwitch sw : plan) {
            if (sw.at().compareTo(duration) >= 0) {
                err.println("kfrelay record: --switch-layer-at " + Units.formatDuration(sw.at()) + " is not before the end of the "
                        + "recording (--duration " + Units.formatDuration(duration) + ")");
                return 2;
            }
        }
        Recorder recorder;
        try {
            recorder = Recorder.start(urls, room, identity, token, out,
                    ClientOptions.builder().quic(tls.quicOptions()).build(), new Recorder.Selection(layer, subscribe),
                    err);
        } catch (RelayErrorException e) {
            err.println("kfrelay record: " + e.getMessage());
            return 1;
        } catch (IOException | TimeoutException | IllegalArgumentException e) {
            err.println("kfrelay record: " + e.getMessage());
            return 1;
        }
        GracefulExit exit = GracefulExit.arm(() -> stdout.println("recorded " + recorder.stop()));
        long startNanos = System.nanoTime();
        boolean closed = false;
        for (LayerSwitch sw : plan) {
            if (awaitClose(recorder, startNanos, sw.at())) {
                closed = true;
                break;
            }
            recorder.requestLayer(sw.layer());
        }
        if (closed || awaitClose(recorder, startNanos, duration)) {
            err.println("kfrelay record: the relay closed the connection");
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

    /** Waits until {@code at} after {@code startNanos}; true if the connection closed before. */
    private static boolean awaitClose(Recorder recorder, long startNanos, Duration at)
            throws InterruptedException, ExecutionException {
        long left = startNanos + at.toNanos() - System.nanoTime();
        try {
            recorder.closeFuture().get(Math.max(0, left), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException due) {
            return false;
        }
    }
}
