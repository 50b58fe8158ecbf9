package io.kfrelay.cli;

import io.kfrelay.config.AutoLayerSettings;
import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.config.WaitStrategyKind;
import io.kfrelay.server.ListenAddress;
import io.kfrelay.server.RelayServer;
import io.kfrelay.server.ServerConfig;
import io.kfrelay.transport.TransportKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

@Command(name = "serve", sortOptions = false, mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Start the relay.",
        footer = {"",
                "Where values come from: command line > environment > config file > default.",
                "",
                "Environment: KFRELAY_ + the option name in upper case, - as _:",
                "  KFRELAY_WS_LISTEN=:8080  KFRELAY_CACHE_MODE=gop",
                "  KFRELAY_CONFIG=FILE names the config file.",
                "",
                "Config file (--config FILE): Java properties, keyed by the long option name",
                "without the dashes:",
                "  ws-listen=0.0.0.0:8080",
                "  cache-mode=gop",
                "  keyframe-cap=512k",
                "An unknown key is an error. Room allow-lists take one key per room:",
                "  room-acl.ROOM=alice,bob",
                "",
                "Sizes take k, m or g (KiB, MiB, GiB): 1200, 200k, 2m.",
                "Durations take ms, s, m or h: 500ms, 5s, 1m.",
                "SIGTERM or Ctrl-C stops the relay gracefully (participants get",
                "RELAY_SHUTTING_DOWN) and exits with status 0."})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** --quic-listen, --quic-*: the QUIC listener. */
    @Mixin
    QuicOptions quic;

    /** --auth-secret, --require-auth, --room-acl and the abuse limits (docs/SECURITY.md). */
    @Mixin
    SecurityOptions security;

    /** --admin-listen, --admin-token*: the admin HTTP server (metrics, health, rooms API, drain). */
    @Mixin
    AdminOptions admin;

    /** --cluster, --node-id, --advertise, --cluster-*: cluster mode (off unless --cluster). */
    @Mixin
    ClusterOptions cluster;

    /** --log-level. */
    @Mixin
    LoggingOptions logging;

    /** --allocator, --buffer-memory, --ws-framing: buffers and egress writes. */
    @Mixin
    BufferOptions buffers;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file with option defaults (see below).")
    Path config;

    // ---------------------------------------------------------------- server (network)

    /** Null unless named (command line, environment or config file): then ListenPolicy decides. */
    @Option(names = "--ws-listen", paramLabel = "HOST:PORT", converter = Converters.Listen.class,
            description = "Where the WebSocket listener binds: HOST:PORT, [IPv6]:PORT or :PORT (every interface); "
                    + "port 0 picks a free port. Unless named: 127.0.0.1:8080 without --auth-secret, 0.0.0.0:8080 "
                    + "with it (or with --auth-public-key, --auth-jwks: whenever tokens are checked).")
    ListenAddress wsListen;

    @Option(names = "--ws-path", paramLabel = "PATH", defaultValue = "/kfrelay",
            description = "WebSocket URL path (the relay also upgrades /).")
    String wsPath;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "PEM certificate chain (leaf first); with --tls-key the WebSocket port serves https:// and "
                    + "wss:// and QUIC presents the same certificate. Without both: plain http:// and ws:// (browsers "
                    + "need https except on localhost), and QUIC makes a self-signed certificate at start-up and "
                    + "prints its SHA-256 fingerprint (clients: --pin).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key of --tls-cert (PKCS#8, or EC/RSA).")
    Path tlsKey;

    @Option(names = "--no-web", defaultValue = "false", arity = "0..1", paramLabel = "BOOL",
            description = "Do not serve the browser client on the WebSocket port (then it answers WebSocket upgrades "
                    + "only).")
    boolean noWeb;

    @Option(names = "--transport", paramLabel = "KIND", defaultValue = "auto", converter = Converters.Transport.class,
            description = "Socket transport: auto (io_uring, else epoll, else nio), epoll, io_uring or nio. Naming a "
                    + "native transport that is not available here is an error.")
    TransportKind transport;

    @Option(names = "--event-loop-threads", paramLabel = "N", defaultValue = "0",
            description = "Network I/O threads; 0 means one per available processor.")
    int eventLoopThreads;

    @Option(names = "--max-frame-bytes", paramLabel = "SIZE", defaultValue = "64k", converter = Converters.IntBytes.class,
            description = "Largest message a client may send (8k..16m); a bigger one is refused (TOO_LARGE) and the "
                    + "connection closed.")
    int maxFrameBytes;

    @Option(names = "--sink-queue-messages", paramLabel = "N", defaultValue = "4096",
            description = "Per-receiver egress queue: media is dropped for a receiver with this many messages "
                    + "waiting (video deltas at 75%% of it).")
    int sinkQueueMessages;

    @Option(names = "--sink-queue-bytes", paramLabel = "SIZE", defaultValue = "4m", converter = Converters.Bytes.class,
            description = "The same limit in bytes (at least twice --max-frame-bytes).")
    long sinkQueueBytes;

    @Option(names = "--sink-hard-cap-messages", paramLabel = "N", defaultValue = "8192",
            description = "Control is never dropped, but a receiver with this many messages waiting is disconnected.")
    int sinkHardCapMessages;

    @Option(names = "--sink-hard-cap-bytes", paramLabel = "SIZE", defaultValue = "8m", converter = Converters.Bytes.class,
            description = "The same limit in bytes.")
    long sinkHardCapBytes;

    @Option(names = "--write-buffer-high-water-mark", paramLabel = "SIZE", defaultValue = "256k",
            converter = Converters.IntBytes.class,
            description = "Bytes the socket layer may hold per connection before its queue stops draining "
                    + "(resumes at half).")
    int writeBufferHighWaterMark;

    @Option(names = "--join-timeout", paramLabel = "DURATION", defaultValue = "10s", converter = Converters.Time.class,
            description = "A connection that sends no JOIN within this is closed (NOT_JOINED).")
    Duration joinTimeout;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", defaultValue = "5s", converter = Converters.Time.class,
            description = "How long a closing connection may take to write out its queue; also bounds shutdown.")
    Duration drainTimeout;

    @Option(names = "--stall-timeout", paramLabel = "DURATION", defaultValue = "10s", converter = Converters.Time.class,
            description = "A receiver that drops media and does not catch up within this is disconnected; 0 = never.")
    Duration stallTimeout;

    // ---------------------------------------------------------------- keyframe cache

    @Option(names = "--cache-mode", paramLabel = "MODE", defaultValue = "keyframe", converter = Converters.Cache.class,
            description = "What a late joiner gets per video stream: keyframe (the last keyframe) or gop (the last "
                    + "keyframe and every packet since, so its stream has no gap).")
    CacheMode cacheMode;

    @Option(names = "--keyframe-cap", paramLabel = "SIZE", defaultValue = "2m", converter = Converters.IntBytes.class,
            description = "Largest keyframe cached per stream (packets with headers); a 1080p IDR is commonly 300-600 KB.")
    int keyframeCap;

    @Option(names = "--gop-cap", paramLabel = "SIZE", defaultValue = "16m", converter = Converters.IntBytes.class,
            description = "Largest GOP cached per stream (gop mode).")
    int gopCap;

    @Option(names = "--gop-max-age", paramLabel = "DURATION", defaultValue = "10s", converter = Converters.Time.class,
            description = "A GOP older than this stops growing (gop mode).")
    Duration gopMaxAge;

    @Option(names = "--cache-budget", paramLabel = "SIZE", defaultValue = "0", converter = Converters.Bytes.class,
            description = "Memory for every keyframe cache of the relay together, for what replays still hold and for "
                    + "live packets queued behind replays; 0 = half the JVM's max direct memory "
                    + "(-XX:MaxDirectMemorySize, which defaults to the max heap). When it is spent a keyframe evicts "
                    + "larger caches on its shard, largest first, or is not cached.")
    long cacheBudget;

    @Option(names = "--keyframe-request-interval", paramLabel = "DURATION", defaultValue = "500ms",
            converter = Converters.Time.class,
            description = "At most one KEYFRAME_REQUEST per stream per interval; under sustained demand the interval "
                    + "doubles, up to 8 times this.")
    Duration keyframeRequestInterval;

    // ---------------------------------------------------------------- simulcast auto layer

    @Option(names = "--layer-down-backlog", paramLabel = "SIZE", defaultValue = "256k", converter = Converters.Bytes.class,
            description = "A receiver on a simulcast source's auto layer moves down one layer when what it "
                    + "has not been sent yet (its egress queue and its connection's outbound buffer) has held more than this for --layer-down-after without "
                    + "shrinking; keep it well below --sink-queue-bytes, so it moves down before it loses packets.")
    long layerDownBacklog;

    @Option(names = "--layer-up-backlog", paramLabel = "SIZE", defaultValue = "16k", converter = Converters.Bytes.class,
            description = "An auto-layer receiver whose unsent bytes stay at or below this counts as drained.")
    long layerUpBacklog;

    @Option(names = "--layer-up-after", paramLabel = "DURATION", defaultValue = "4s", converter = Converters.Time.class,
            description = "How long an auto-layer receiver must stay drained before it moves up one layer; doubled "
                    + "(up to 8 times) each time a move up is soon followed by a move down.")
    Duration layerUpAfter;

    @Option(names = "--layer-down-after", paramLabel = "DURATION", defaultValue = "1s", converter = Converters.Time.class,
            description = "How long an auto-layer receiver's unsent bytes must stay above --layer-down-backlog, not "
                    + "shrinking, before it moves down one layer (a queue that drains is a link catching up).")
    Duration layerDownAfter;

    // ---------------------------------------------------------------- pipeline

    @Option(names = "--shards", paramLabel = "N", defaultValue = "1",
            description = "Room pipelines (one thread each); rooms are spread over them by name.")
    int shards;

    @Option(names = "--ring-size", paramLabel = "N", defaultValue = "16384",
            description = "Events per shard ring, a power of two.")
    int ringSize;

    @Option(names = "--wait-strategy", paramLabel = "KIND", defaultValue = "lite-blocking", converter = Converters.Wait.class,
            description = "How an idle shard waits: blocking, lite-blocking, sleeping, yielding or busy-spin "
                    + "(the last two burn a core each).")
    WaitStrategyKind waitStrategy;

    @Option(names = "--control-reserve", paramLabel = "N", defaultValue = "0",
            description = "Ring slots media may not use, kept for joins and leaves; 0 means ring-size/16.")
    int controlReserve;

    @Option(names = "--batch-events", paramLabel = "N", defaultValue = "256",
            description = "Most ring events a shard handles before it flushes the receivers it wrote to.")
    int batchEvents;

    @Option(names = "--ring-bytes", paramLabel = "SIZE", defaultValue = "64m", converter = Converters.Bytes.class,
            description = "Most bytes of media one shard's ring may hold; past it media is dropped at ingress.")
    long ringBytes;

    @Option(names = "--ring-work", paramLabel = "N", defaultValue = "0",
            description = "Most deliveries (packets x their receivers) one shard's ring may hold; past half of it a "
                    + "room may only add its fair share. 0 means ring-size x 256.")
    long ringWork;

    // ---------------------------------------------------------------- replay and limits

    @Option(names = "--replay-window", paramLabel = "SIZE", defaultValue = "1m", converter = Converters.IntBytes.class,
            description = "Bytes a late joiner's replay may have waiting in its connection's queue: the replay goes "
                    + "as fast as the joiner reads, never faster. At most half the video deltas' share of "
                    + "--sink-queue-bytes.")
    int replayWindow;

    @Option(names = "--max-streams", paramLabel = "N", defaultValue = "16",
            description = "Streams one participant may publish.")
    int maxStreams;

    /** The network side's configuration these options describe. */
    ServerConfig serverConfig() {
        ServerConfig.Builder b = ServerConfig.builder()
                .wsListen(wsListen)
                .wsPath(wsPath)
                .tls(tlsCert, tlsKey)
                .webRoot(noWeb ? null : ServerConfig.DEFAULT_WEB_ROOT)
                .transport(transport)
                .maxFrameBytes(maxFrameBytes)
                .sinkQueueMessages(sinkQueueMessages)
                .sinkQueueBytes(sinkQueueBytes)
                .sinkHardCapMessages(sinkHardCapMessages)
                .sinkHardCapBytes(sinkHardCapBytes)
                .writeBufferHighWaterMark(writeBufferHighWaterMark)
                .joinTimeout(joinTimeout)
                .drainTimeout(drainTimeout)
                .stallTimeout(stallTimeout);
        buffers.applyTo(b);
        if (eventLoopThreads > 0) {
            b.eventLoopThreads(eventLoopThreads);
        }
        return b.build();
    }

    /** The relay core's configuration these options describe. */
    RelayConfig relayConfig() {
        RelayConfig.Builder b = RelayConfig.builder()
                .shards(shards)
                .ringSize(ringSize)
                .waitStrategy(waitStrategy)
                .cacheMode(cacheMode)
                .keyframeCapBytes(keyframeCap)
                .gopCapBytes(gopCap)
                .gopMaxAge(gopMaxAge)
                .keyframeRequestInterval(keyframeRequestInterval)
                .replayWindowBytes(replayWindow)
                .autoLayer(new AutoLayerSettings(layerDownBacklog, layerUpBacklog, layerUpAfter, layerDownAfter))
                .cacheBudgetBytes(cacheBudget)
                .batchEvents(batchEvents)
                .ringBytes(ringBytes)
                .maxStreamsPerParticipant(maxStreams);
        if (controlReserve > 0) {
            b.controlReserve(controlReserve);
        }
        if (ringWork > 0) {
            b.ringWork(ringWork);
        }
        return security.applyLimits(b).build();
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        logging.apply(); // before anything logs: the backend reads its level once
        String memoryProblem = buffers.bufferMemory.apply(); // before anything loads Netty's platform layer
        if (memoryProblem != null) {
            err.println("kfrelay serve: " + memoryProblem);
            return 2;
        }
        ServerConfig server;
        RelayConfig relay;
        try {
            server = serverConfig();
            relay = relayConfig();
        } catch (IllegalArgumentException e) {
            err.println("kfrelay serve: " + e.getMessage());
            return 2;
        }
        RelayServer relayServer;
        try {
            relayServer = new RelayServer(server, relay);
            relayServer.withQuic(quic.quicConfig());
            relayServer.withSecurity(security.securityConfig());
        } catch (IllegalArgumentException e) {
            err.println("kfrelay serve: " + e.getMessage());
            return 2;
        }
        try {
            relayServer.withAdmin(admin.adminConfig(spec));
            relayServer.withCluster(cluster.clusterConfig());
        } catch (IllegalArgumentException e) {
            err.println("kfrelay serve: " + e.getMessage());
            return 2;
        }
        try {
            relayServer.start();
        } catch (IOException | IllegalStateException e) {
            err.println("kfrelay serve: " + e.getMessage());
            return 1;
        }
        out.printf("kfrelay serving %s (transport %s, cache %s, %d shard%s)%n",
                relayServer.wsUrl(), lower(relayServer.transport()), lower(relay.cacheMode()),
                relay.shards(), relay.shards() == 1 ? "" : "s");
        if (relayServer.webUrl() != null) {
            out.printf("  web app: %s%n", relayServer.webUrl());
        }
        QuicListenerInfo.print(out, relayServer);
        if (relayServer.startupWarning() != null) {
            out.println(relayServer.startupWarning());
        }
        AdminOptions.printAddress(out, relayServer);
        if (relayServer.cluster() != null) {
            out.printf("  cluster node %s (boot %d) in %s, advertised as %s%n", relayServer.cluster().nodeId(),
                    relayServer.cluster().bootEpoch(), relayServer.cluster().config().store(),
                    relayServer.cluster().advertised().ws());
        }
        GracefulExit exit = GracefulExit.arm(() -> {
            relayServer.close();
            out.println("kfrelay stopped");
        });
        // Serve until a signal (the shutdown hook closes the relay and ends the process with status 0), or until a
        // cluster node's drain is over (POST /api/drain): then stop the same way, with status 0.
        try {
            relayServer.drained().get();
        } catch (ExecutionException e) {
            err.println("kfrelay serve: drain failed: " + e.getCause());
        }
        exit.disarm();
        relayServer.close();
        out.println("kfrelay drained and stopped");
        return 0;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
