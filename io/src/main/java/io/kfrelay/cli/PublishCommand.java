package io.kfrelay.cli;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.media.h264.AccessUnit;
import io.kfrelay.media.h264.AccessUnits;
import io.kfrelay.protocol.ControlMessage.Joined;
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
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

@Command(name = "publish", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Publish an H.264 Annex-B file into a room as one video stream: one access unit per frame "
                + "(IDR access units with their SPS/PPS flagged as keyframes), paced at --fps, 90 kHz timestamps.",
                "Ends with a LEAVE at the end of the file (exit 0), or runs until Ctrl-C with --loop."})
final class PublishCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** --pin, --insecure: trusting a quic:// relay. */
    @Mixin
    ClientTlsOptions tls;

    @Option(names = "--url", required = true, paramLabel = "URL", converter = Converters.RelayUrl.class,
            description = "Relay to publish to: ws://HOST:PORT[/path] (no path means /) or quic://HOST:PORT.")
    URI url;

    @Option(names = "--room", required = true, paramLabel = "ROOM", description = "Room to join.")
    String room;

    @Option(names = "--file", required = true, paramLabel = "FILE", description = "H.264 Annex-B file (.h264/.264).")
    Path file;

    @Option(names = "--fps", defaultValue = "30", paramLabel = "N", description = "Frames per second (default: ${DEFAULT-VALUE}).")
    int fps;

    @Option(names = "--loop", description = "Start over at the end of the file, forever. A keyframe request then "
            + "makes the publisher jump to the next IDR.")
    boolean loop;

    @Option(names = "--stream", defaultValue = "1", paramLabel = "N", description = "Stream id, 0..65535 (default: ${DEFAULT-VALUE}).")
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
        List<AccessUnit> frames;
        try {
            frames = AccessUnits.of(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            err.println("kfrelay publish: " + file + " does not exist");
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("kfrelay publish: " + file + ": " + e.getMessage());
            return 1;
        }
        long keyframes = frames.stream().filter(AccessUnit::keyframe).count();
        FilePublisher publisher;
        ClientOptions options;
        try {
            publisher = new FilePublisher(frames, stream, fps, loop, err);
            options = ClientOptions.builder().maxPacketBytes(maxPacketBytes).quic(tls.quicOptions()).build();
        } catch (IllegalArgumentException e) {
            err.println("kfrelay publish: " + e.getMessage());
            return 2;
        }
        KfRelayClient client;
        Joined joined;
        try {
            client = KfRelayClient.connect(url, options, publisher.listener()).get(5, TimeUnit.SECONDS);
            joined = client.join(room, identity, token).get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            err.println("kfrelay publish: " + e.getCause().getMessage());
            return 1;
        } catch (TimeoutException e) {
            err.println("kfrelay publish: no answer from " + url + " within 5 s");
            return 1;
        }
        out.printf("publishing %s (%d frames, %d keyframes) to room '%s' as participant %d, stream %d, %d fps%s%n",
                file, frames.size(), keyframes, joined.room(), joined.participantId(), stream, fps, loop ? ", looping" : "");
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
        if (result.skipped() > 0) {
            out.printf("skipped %d delta frames while the relay was not keeping up%n", result.skipped());
        }
        return 0;
    }
}
