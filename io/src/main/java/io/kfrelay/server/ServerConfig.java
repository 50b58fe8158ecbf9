package io.kfrelay.server;

import io.kfrelay.transport.AllocatorKind;
import io.kfrelay.transport.SinkLimits;
import io.kfrelay.transport.TransportKind;
import io.kfrelay.transport.ws.WsFramingKind;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Configuration of the network side of the relay ({@link RelayServer}); the relay core has its own
 * {@link io.kfrelay.config.RelayConfig}. Every field has a documented default ({@link #defaults()}); invalid
 * values are refused with a message that names the field as a command-line option would.
 *
 * @param wsListen                  where the WebSocket listener binds (port 0 = any free port, see
 *                                  {@link RelayServer#wsPort()}); null (the default): port 8080 on loopback
 *                                  without an auth secret, on every interface with one ({@link ListenPolicy})
 * @param wsPath                    the WebSocket endpoint path; default {@code /kfrelay}. A request for
 *                                  {@code /} is upgraded too, so {@code ws://HOST:PORT} works
 * @param transport                 Netty I/O transport; default {@link TransportKind#AUTO} (io_uring, else
 *                                  epoll, else NIO). Naming an unavailable native transport fails start()
 * @param eventLoopThreads          I/O event loop threads; default: the number of available processors
 * @param maxFrameBytes             largest WebSocket frame payload (one protocol message) accepted; default
 *                                  64 KiB. Larger frames are refused (ERROR TOO_LARGE, close) before being read
 * @param sinkQueueMessages         per-connection egress queue: media is dropped for a receiver that has this
 *                                  many messages waiting (video deltas at 75% of it); default 4096, so that with
 *                                  ordinary packets the byte limit is the one that binds
 * @param sinkQueueBytes            the same limit in bytes; default 4 MiB
 * @param sinkHardCapMessages       control messages are never dropped, but a receiver with this many
 *                                  messages waiting is disconnected; default 8192
 * @param sinkHardCapBytes          the same limit in bytes; default 8 MiB
 * @param writeBufferHighWaterMark  bytes Netty may hold per connection before the connection counts as
 *                                  unwritable and its queue stops draining; resumes at half. Default 256 KiB
 * @param joinTimeout               how long a connection may stay without a JOIN before it is closed
 *                                  (ERROR NOT_JOINED); default 10 s
 * @param drainTimeout              how long a closing connection may take to write out what is queued (after
 *                                  an ERROR, a kick, or at shutdown) before it is cut off; bounds the wait in
 *                                  {@link RelayServer#close()} too. Default 5 s
 * @param stallTimeout              a receiver that drops media and does not drain its queue to half the media
 *                                  limit for this long is disconnected (counted as a slow receiver); default
 *                                  10 s, zero turns it off
 * @param allocator                 Netty buffer allocator of the WebSocket channels (ingress reads, control
 *                                  messages, frame headers); default {@link AllocatorKind#ADAPTIVE}
 * @param wsFraming                 how WebSocket egress frames each message; default {@link WsFramingKind#HEADERS}
 *                                  (header bytes written by the relay, one slab per drain)
 * @param tls                       the relay's certificate and key ({@link TlsConfig}); with them the WebSocket port
 *                                  speaks https/wss and QUIC presents the same certificate. Default
 *                                  {@link TlsConfig#NONE}: plain http/ws, self-signed QUIC
 * @param webRoot                   the class-path folder whose files the WebSocket port serves to browsers (the web
 *                                  app: {@code /} is its {@code index.html}); default {@value #DEFAULT_WEB_ROOT}.
 *                                  Null: no web app, the port answers nothing but WebSocket upgrades
 */
public record ServerConfig(
        ListenAddress wsListen,
        String wsPath,
        TransportKind transport,
        int eventLoopThreads,
        int maxFrameBytes,
        int sinkQueueMessages,
        long sinkQueueBytes,
        int sinkHardCapMessages,
        long sinkHardCapBytes,
        int writeBufferHighWaterMark,
        Duration joinTimeout,
        Duration drainTimeout,
        Duration stallTimeout,
        AllocatorKind allocator,
        WsFramingKind wsFraming,
        TlsConfig tls,
        String webRoot) {

    public static final String DEFAULT_WS_PATH = "/kfrelay";
    public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
    /** The largest valid JOIN (room and identity of 256 bytes, a 4096-byte token) must fit in a frame. */
    public static final int MIN_FRAME_BYTES = 8 * 1024;
    public static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;
    public static final int DEFAULT_SINK_QUEUE_MESSAGES = 4096;
    public static final long DEFAULT_SINK_QUEUE_BYTES = 4L * 1024 * 1024;
    public static final int DEFAULT_SINK_HARD_CAP_MESSAGES = 8192;
    public static final long DEFAULT_SINK_HARD_CAP_BYTES = 8L * 1024 * 1024;
    public static final int DEFAULT_WRITE_BUFFER_HIGH_WATER_MARK = 256 * 1024;
    public static final Duration DEFAULT_JOIN_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(10);
    public static final AllocatorKind DEFAULT_ALLOCATOR = AllocatorKind.ADAPTIVE;
    public static final WsFramingKind DEFAULT_WS_FRAMING = WsFramingKind.HEADERS;
    /** The browser client bundled in the jar (io/src/main/resources/web/). */
    public static final String DEFAULT_WEB_ROOT = "web";

    public ServerConfig {
        require(wsPath != null && wsPath.startsWith("/") && wsPath.length() <= 256
                        && wsPath.chars().noneMatch(c -> c <= ' ' || c == '?' || c == '#' || c >= 0x7F),
                "ws-path must start with '/', be at most 256 characters and hold no spaces, '?' or '#', was '"
                        + wsPath + "'");
        require(transport != null, "transport is required");
        require(eventLoopThreads >= 1 && eventLoopThreads <= 1024,
                "event-loop-threads must be 1..1024, was " + eventLoopThreads);
        require(maxFrameBytes >= MIN_FRAME_BYTES && maxFrameBytes <= MAX_FRAME_BYTES,
                "max-frame-bytes must be " + MIN_FRAME_BYTES + ".." + MAX_FRAME_BYTES + ", was " + maxFrameBytes);
        require(sinkQueueBytes >= 2L * maxFrameBytes,
                "sink-queue-bytes must be at least twice max-frame-bytes (" + 2L * maxFrameBytes
                        + ") so a full-size packet always fits, was " + sinkQueueBytes);
        new SinkLimits(sinkQueueMessages, sinkQueueBytes, sinkHardCapMessages, sinkHardCapBytes); // validates
        require(writeBufferHighWaterMark >= 8 * 1024 && writeBufferHighWaterMark <= 64 * 1024 * 1024,
                "write-buffer-high-water-mark must be 8 KiB..64 MiB, was " + writeBufferHighWaterMark);
        require(joinTimeout != null && joinTimeout.isPositive(), "join-timeout must be positive");
        require(drainTimeout != null && drainTimeout.isPositive(), "drain-timeout must be positive");
        require(stallTimeout != null && !stallTimeout.isNegative(), "stall-timeout must not be negative (0 = off)");
        require(allocator != null, "allocator is required");
        require(wsFraming != null, "ws-framing is required");
        require(tls != null, "tls is required (TlsConfig.NONE for none)");
        require(webRoot == null || (!webRoot.isEmpty() && !webRoot.startsWith("/") && !webRoot.endsWith("/")
                        && !webRoot.contains("..")),
                "web root must be a class-path folder such as 'web' (no leading or trailing '/', no '..'), was '"
                        + webRoot + "'");
    }

    /** Whether the WebSocket port serves the web app. */
    public boolean webApp() {
        return webRoot != null;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Bounds of each connection's egress queue. */
    public SinkLimits sinkLimits() {
        return new SinkLimits(sinkQueueMessages, sinkQueueBytes, sinkHardCapMessages, sinkHardCapBytes, stallTimeout);
    }

    /** Netty resumes writing to a connection once its buffered bytes fall to this (half the high mark). */
    public int writeBufferLowWaterMark() {
        return writeBufferHighWaterMark / 2;
    }

    public static ServerConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Mutable builder starting from the defaults; every setter returns this. */
    public static final class Builder {
        private ListenAddress wsListen; // null: ListenPolicy decides at start
        private String wsPath = DEFAULT_WS_PATH;
        private TransportKind transport = TransportKind.AUTO;
        private int eventLoopThreads = Runtime.getRuntime().availableProcessors();
        private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        private int sinkQueueMessages = DEFAULT_SINK_QUEUE_MESSAGES;
        private long sinkQueueBytes = DEFAULT_SINK_QUEUE_BYTES;
        private int sinkHardCapMessages = DEFAULT_SINK_HARD_CAP_MESSAGES;
        private long sinkHardCapBytes = DEFAULT_SINK_HARD_CAP_BYTES;
        private int writeBufferHighWaterMark = DEFAULT_WRITE_BUFFER_HIGH_WATER_MARK;
        private Duration joinTimeout = DEFAULT_JOIN_TIMEOUT;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private Duration stallTimeout = DEFAULT_STALL_TIMEOUT;
        private AllocatorKind allocator = DEFAULT_ALLOCATOR;
        private WsFramingKind wsFraming = DEFAULT_WS_FRAMING;
        private TlsConfig tls = TlsConfig.NONE;
        private String webRoot = DEFAULT_WEB_ROOT;

        private Builder() {
        }

        private Builder(ServerConfig c) {
            wsListen = c.wsListen;
            wsPath = c.wsPath;
            transport = c.transport;
            eventLoopThreads = c.eventLoopThreads;
            maxFrameBytes = c.maxFrameBytes;
            sinkQueueMessages = c.sinkQueueMessages;
            sinkQueueBytes = c.sinkQueueBytes;
            sinkHardCapMessages = c.sinkHardCapMessages;
            sinkHardCapBytes = c.sinkHardCapBytes;
            writeBufferHighWaterMark = c.writeBufferHighWaterMark;
            joinTimeout = c.joinTimeout;
            drainTimeout = c.drainTimeout;
            stallTimeout = c.stallTimeout;
            allocator = c.allocator;
            wsFraming = c.wsFraming;
            tls = c.tls;
            webRoot = c.webRoot;
        }

        /** Null: not named, {@link ListenPolicy} decides. */
        public Builder wsListen(ListenAddress v) { wsListen = v; return this; }
        /** {@code HOST:PORT}, see {@link ListenAddress#parse}. */
        public Builder wsListen(String hostPort) { wsListen = ListenAddress.parse(hostPort); return this; }
        public Builder wsListen(String host, int port) { wsListen = new ListenAddress(host, port); return this; }
        public Builder wsPath(String v) { wsPath = v; return this; }
        public Builder transport(TransportKind v) { transport = v; return this; }
        public Builder eventLoopThreads(int v) { eventLoopThreads = v; return this; }
        public Builder maxFrameBytes(int v) { maxFrameBytes = v; return this; }
        public Builder sinkQueueMessages(int v) { sinkQueueMessages = v; return this; }
        public Builder sinkQueueBytes(long v) { sinkQueueBytes = v; return this; }
        public Builder sinkHardCapMessages(int v) { sinkHardCapMessages = v; return this; }
        public Builder sinkHardCapBytes(long v) { sinkHardCapBytes = v; return this; }
        public Builder writeBufferHighWaterMark(int v) { writeBufferHighWaterMark = v; return this; }
        public Builder joinTimeout(Duration v) { joinTimeout = v; return this; }
        public Builder drainTimeout(Duration v) { drainTimeout = v; return this; }
        public Builder stallTimeout(Duration v) { stallTimeout = v; return this; }
        public Builder allocator(AllocatorKind v) { allocator = v; return this; }
        public Builder wsFraming(WsFramingKind v) { wsFraming = v; return this; }
        public Builder tls(TlsConfig v) { tls = v; return this; }
        /** Both or neither (null, null). */
        public Builder tls(Path certFile, Path keyFile) {
            tls = new TlsConfig(certFile, keyFile);
            return this;
        }
        /** A class-path folder, or null for no web app. */
        public Builder webRoot(String v) { webRoot = v; return this; }

        public ServerConfig build() {
            return new ServerConfig(wsListen, wsPath, transport, eventLoopThreads, maxFrameBytes, sinkQueueMessages,
                    sinkQueueBytes, sinkHardCapMessages, sinkHardCapBytes, writeBufferHighWaterMark, joinTimeout,
                    drainTimeout, stallTimeout, allocator, wsFraming, tls, webRoot);
        }
    }
}
