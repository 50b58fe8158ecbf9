package io.kfrelay.cli;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.media.h264.AccessUnit;
import io.kfrelay.media.h264.AccessUnits;
import io.kfrelay.protocol.ControlMessage.Joined;
import io.kfrelay.protocol.Protocol;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

@Command(name = "publish", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Publish an H.264 Annex-B file into a room as one video stream: one access unit per frame "
                + "(IDR access units with their SPS/PPS flagged as keyframes), paced at --fps, 90 kHz timestamps.",
                "Two or three --file options publish one simulcast source instead: the files are its layers, lowest "
                + "quality first, declared to the relay (SIMULCAST) before any media and paced on one clock.",
                "Ends with a LEAVE at the end of the file (exit 0), or runs until Ctrl-C with --loop."})
final class PublishCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** --pin, --insecure: trusting a quic:// or wss:// relay. */
    @Mixin
    ClientTlsOptions tls;

    @Option(names = "--url", required = true, paramLabel = "URL[,URL...]", split = ",", converter = Converters.RelayUrl.class,
            description = {"Relay to publish to: ws://HOST:PORT[/path] (no path means /), wss://HOST:PORT[/path] or quic://HOST:PORT.",
                    "Several relays of one cluster (comma-separated or repeated, all ws/wss or all quic): the first that "
                    + "answers is used, and when it is lost the publisher reconnects to another (backoff, up to 30 s; "
                    + "docs/CLUSTER.md), printing 'reconnected to NODE (URL) after N ms'. A cluster relay names its "
                    + "nodes after the JOIN, so one URL reconnects too."})
    List<URI> urls;

    @Option(names = "--room", required = true, paramLabel = "ROOM", description = "Room to join.")
    String room;

    @Option(names = "--file", required = true, paramLabel = "FILE",
            description = "H.264 Annex-B file (.h264/.264). Repeat it (up to " + Protocol.MAX_LAYERS + " files, lowest "
                    + "quality first, the same pictures at different sizes with the same number of frames) to publish "
                    + "one simulcast source: layer i goes on stream --stream + i.")
    List<Path> files;

    @Option(names = "--fps", defaultValue = "30", paramLabel = "N", description = "Frames per second (default: ${DEFAULT-VALUE}).")
    int fps;

    @Option(names = "--loop", description = "Start over at the end of the file, forever. A keyframe request then "
            + "makes the publisher jump to the next IDR (of the layer asked for).")
    boolean loop;

    @Option(names = "--stream", defaultValue = "1", paramLabel = "N", description = "Stream id, 0..65535 (default: "
            + "${DEFAULT-VALUE}); for a simulcast source the id of its lowest layer and of the source, the next layers "
            + "taking N+1 and N+2.")
    int stream;

    @Option(names = "--identity", defaultValue = "publisher", paramLabel = "NAME",
            description = "How others see this participant (default: ${DEFAULT-VALUE}).")
    String identity;

    @Option(names = "--token", defaultValue = "", paramLabel = "TOKEN", description = "Credential for the relay, if it wants one.")
    String token;

    @Option(names = "--max-packet-bytes", defaultValue = "1200", paramLabel = "SIZE", converter = Converters.IntBytes.class,
            description = "Largest media packet, 20-byte header included (default: ${DEFAULT-VALUE}).")
    int maxPacketBytes;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (files.size() > Protocol.MAX_LAYERS) {
            err.println("kfrelay publish: a simulcast source has at most " + Protocol.MAX_LAYERS + " layers: give --file "
                    + "1.." + Protocol.MAX_LAYERS + " times, not " + files.size());
            return 2;
        }
        if (stream < 0 || stream + files.size() - 1 > 0xFFFF) {
            err.println("kfrelay publish: --stream must be 0.." + (0xFFFF - files.size() + 1) + " for " + files.size()
                    + " file" + (files.size() == 1 ? "" : "s") + " (stream ids are 0..65535), not " + stream);
            return 2;
        }
        List<FilePublisher.Layer> layers = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            try {
                layers.add(new FilePublisher.Layer(file.toString(), stream + i, AccessUnits.of(Files.readAllBytes(file))));
            } catch (NoSuchFileException e) {
                err.println("kfrelay publish: " + file + " does not exist");
                return 1;
            } catch (IllegalArgumentException e) {
                err.println("kfrelay publish: " + file + ": " + e.getMessage());
                return 1;
            }
        }
        FilePublisher publisher;
        ClientOptions options;
        try {
            publisher = new FilePublisher(layers, fps, loop, err, Duration.ZERO);
            options = ClientOptions.builder().maxPacketBytes(maxPacketBytes).quic(tls.quicOptions()).build();
        } catch (IllegalArgumentException e) {
            err.println("kfrelay publish: " + e.getMessage());
            return 2;
        }
        KfRelayClient client;
        Joined joined;
        try {
            client = KfRelayClient.connect(urls, options, publisher.listener())
                    .get(5L * urls.size(), TimeUnit.SECONDS);
            joined = client.join(room, identity, token).get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            err.println("kfrelay publish: " + e.getCause().getMessage());
            return 1;
        } catch (TimeoutException e) {
            err.println("kfrelay publish: no answer from " + (urls.size() == 1 ? urls.getFirst() : urls) + " within "
                    + 5 * urls.size() + " s");
            return 1;
        }
        if (publisher.simulcast()) {
            out.printf("publishing a simulcast source of %d layers to room '%s' as participant %d, streams %d-%d, %d fps%s%n",
                    layers.size(), joined.room(), joined.participantId(), stream, stream + layers.size() - 1, fps,
                    loop ? ", looping" : "");
            for (int i = 0; i < layers.size(); i++) {
                FilePublisher.Layer l = layers.get(i);
                out.printf("  layer %d: stream %d, %s (%s)%n", i, l.streamId(), l.name(), describe(l.frames()));
            }
        } else {
            out.printf("publishing %s (%s) to room '%s' as participant %d, stream %d, %d fps%s%n",
                    layers.getFirst().name(), describe(layers.getFirst().frames()), joined.room(),
                    joined.participantId(), stream, fps, loop ? ", looping" : "");
        }
        GracefulExit exit = GracefulExit.arm(() -> {
            publisher.stop();
            client.leave();
            client.close();
            client.closeFuture().orTimeout(1, TimeUnit.SECONDS).exceptionally(t -> null).join();
        });
        FilePublisher.Result result = publisher.run(client);
        if (result.connectionLost()) {
            exit.disarm();
            Throwable why = publisher.lastError();
            err.printf("kfrelay publish: the relay closed the connection after %d frames%s%s%n", result.frames(),
                    result.skipped() > 0 ? " (" + result.skipped() + " delta frames skipped)" : "",
                    why == null ? "" : " (" + why.getMessage() + ")");
            return 1;
        }
        client.leave();
        client.close();
        // The client cuts the connection after its close timeout itself; the margin covers its I/O thread.
        client.closeFuture().orTimeout(options.closeTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS)
                .exceptionally(t -> null).join();
        exit.disarm();
        out.printf("published %d frames (%d keyframes), %d packets, %d bytes; left the room%n",
                result.frames(), result.keyframes(), result.packets(), result.bytes());
        if (publisher.simulcast()) {
            out.println("keyframe requests: " + layers.stream().map(l -> "stream " + l.streamId() + " "
                    + publisher.keyframeRequests(l.streamId())).collect(Collectors.joining(", ")));
        }
        if (result.skipped() > 0) {
            out.printf("skipped %d delta frames while the relay was not keeping up%n", result.skipped());
        }
        return 0;
    }

    private static String describe(List<AccessUnit> frames) {
        return frames.size() + " frames, " + frames.stream().filter(AccessUnit::keyframe).count() + " keyframes";
    }
}
