package io.kfrelay.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link ClusterStore} over one Redis (Lettuce, one connection). Keys (docs/CLUSTER.md); the braces are a Redis
 * Cluster hash tag, so a room's two keys would share a slot:
 * <ul>
 *   <li>{@code kfrelay:node:{ID}} hash: the node's record ({@link NodeRecord#fields()}), PX expiry;</li>
 *   <li>{@code kfrelay:node-boot:{ID}} counter: the node's boot epochs;</li>
 *   <li>{@code kfrelay:room:{NAME}} hash {@code node, epoch, token}, PX lease: the room's owner;</li>
 *   <li>{@code kfrelay:room-epoch:{NAME}} counter: the room's epochs (no expiry: epochs never go back while it lasts,
 *       and claimers pass the highest epoch they saw as a floor for when it does not).</li>
 * </ul>
 * Lettuce's defaults are wrong for a relay (STACK.md): commands issued while disconnected would queue without bound
 * and complete at reconnect, and the reconnect backoff grows to 30 s. Here a disconnected connection rejects commands at
 * once, every command times out after the configured timeout, and reconnect attempts come every 200 ms. Lettuce runs
 * on one I/O and one computation thread of its own, never on the relay's media event loops.
 */
public final class RedisClusterStore implements ClusterStore {
    static final String NODE_PREFIX = "kfrelay:node:{";
    static final String ROOM_PREFIX = "kfrelay:room:{";
    static final Duration RECONNECT_DELAY = Duration.ofMillis(200);

    /** KEYS[1] room, KEYS[2] its epoch counter; ARGV node, token, lease ms, floor epoch. */
    static final String CLAIM = """
            local holder = redis.call('HGET', KEYS[1], 'node')
            if holder and holder ~= ARGV[1] then
              return {0, holder, tonumber(redis.call('HGET', KEYS[1], 'epoch')), redis.call('PTTL', KEYS[1])}
            end
            local epoch = redis.call('INCR', KEYS[2])
            local floor = tonumber(ARGV[4])
            if epoch <= floor then
              epoch = floor + 1
              redis.call('SET', KEYS[2], epoch)
            end
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], 'node', ARGV[1], 'epoch', epoch, 'token', ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return {1, ARGV[1], epoch, tonumber(ARGV[3])}
            """;

    /** Compare-and-expire: KEYS[1] room; ARGV token, lease ms. */
    static final String RENEW = """
            if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
              return redis.call('PEXPIRE', KEYS[1], ARGV[2])
            end
            return 0
            """;

    /** Compare-and-delete: KEYS[1] room; ARGV token. */
    static final String RELEASE = """
            if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0
            """;

    /** KEYS[1] room: {node, epoch, pttl, full}, or {} when nobody holds it. */
    static final String OWNER = """
            local node = redis.call('HGET', KEYS[1], 'node')
            if not node then return {} end
            return {node, tonumber(redis.call('HGET', KEYS[1], 'epoch')), redis.call('PTTL', KEYS[1]),
                    tonumber(redis.call('HGET', KEYS[1], 'full') or '0')}
            """;

    /** Compare-and-set of the origin's "full" flag: KEYS[1] room; ARGV token, 0 or 1. */
    static final String MARK_FULL = """
            if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
              redis.call('HSET', KEYS[1], 'full', ARGV[2])
              return 1
            end
            return 0
            """;

    /**
     * KEYS[1] the room's edges (sorted set, score = expiry in Redis's ms), KEYS[2] their receivers (hash); ARGV node,
     * receivers, ttl ms. Expired entries go first, so a dead edge's entry lasts at most its ttl.
     */
    static final String PUT_EDGE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
            for _, n in ipairs(gone) do redis.call('HDEL', KEYS[2], n) end
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
            redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            redis.call('PEXPIRE', KEYS[2], ARGV[3])
            return 1
            """;

    /** KEYS as PUT_EDGE; ARGV node. */
    static final String DROP_EDGE = """
            redis.call('ZREM', KEYS[1], ARGV[1])
            redis.call('HDEL', KEYS[2], ARGV[1])
            return 1
            """;

    /** KEYS as PUT_EDGE: {node, receivers, ...} of the entries not expired. */
    static final String EDGES = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local out = {}
            for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
              table.insert(out, n)
              table.insert(out, redis.call('HGET', KEYS[2], n) or '0')
            end
            return out
            """;

    /** KEYS[1] the cluster key; ARGV a fresh random key, set only if there is none: the key in force. */
    static final String CLUSTER_KEY = """
            redis.call('SET', KEYS[1], ARGV[1], 'NX')
            return redis.call('GET', KEYS[1])
            """;

    /** KEYS[1] node; ARGV boot, ttl ms, then field, value pairs. 0 when a later boot holds the record. */
    static final String PUT_NODE = """
            local boot = redis.call('HGET', KEYS[1], 'boot')
            if boot and tonumber(boot) > tonumber(ARGV[1]) then return 0 end
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], unpack(ARGV, 3))
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
            """;

    /** Compare-and-delete of a node record: KEYS[1] node; ARGV boot. */
    static final String REMOVE_NODE = """
            if redis.call('HGET', KEYS[1], 'boot') == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0
            """;

    /** KEYS[1] node: {pttl, field, value, ...}; pttl -2 when there is none. */
    static final String READ_NODE = """
            local h = redis.call('HGETALL', KEYS[1])
            table.insert(h, 1, redis.call('PTTL', KEYS[1]))
            return h
            """;

    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> redis;
    private final String uri;

    private RedisClusterStore(ClientResources resources, RedisClient client,
                              StatefulRedisConnection<String, String> connection, String uri) {
        this.resources = resources;
        this.client = client;
        this.connection = connection;
        this.redis = connection.async();
        this.uri = uri;
    }

    /**
     * Connects to {@code redis://HOST:PORT} (or any Redis URI Lettuce takes), every command bounded by
     * {@code commandTimeout}.
     *
     * @throws IOException if Redis cannot be reached now (nothing is left running)
     */
    public static RedisClusterStore connect(String uri, Duration commandTimeout) throws IOException {
        RedisURI redisUri;
        try {
            redisUri = RedisURI.create(uri);
        } catch (IllegalArgumentException e) {
            throw new IOException("not a Redis URI: " + uri + " (" + e.getMessage() + ")", e);
        }
        redisUri.setTimeout(commandTimeout);
        ClientResources resources = DefaultClientResources.builder()
                .ioThreadPoolSize(1)
                .computationThreadPoolSize(1)
                .reconnectDelay(Delay.constant(RECONNECT_DELAY))
                .build();
        RedisClient client = RedisClient.create(resources, redisUri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).build())
                .build());
        try {
            StatefulRedisConnection<String, String> connection = client.connect();
            connection.setTimeout(commandTimeout);
            return new RedisClusterStore(resources, client, connection, uri);
        } catch (RuntimeException e) {
            client.shutdown(0, 1, TimeUnit.SECONDS);
            resources.shutdown(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot reach the cluster store " + uri + ": " + message(e), e);
        }
    }

    public static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t.getMessage().startsWith("Unable to connect"))) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    static String nodeKey(String id) {
        return NODE_PREFIX + id + "}";
    }

    static String bootKey(String id) {
        return "kfrelay:node-boot:{" + id + "}";
    }

    static String roomKey(String room) {
        return ROOM_PREFIX + room + "}";
    }

    static String epochKey(String room) {
        return "kfrelay:room-epoch:{" + room + "}";
    }

    static String edgesKey(String room) {
        return "kfrelay:room-edges:{" + room + "}";
    }

    static String edgeLoadKey(String room) {
        return "kfrelay:room-edge-load:{" + room + "}";
    }

    static final String CLUSTER_KEY_NAME = "kfrelay:cluster-key";

    /** The store's URI, as given. */
    public String uri() {
        return uri;
    }

    @Override
    public CompletableFuture<Long> nextBootEpoch(String nodeId) {
        return redis.incr(bootKey(nodeId)).toCompletableFuture();
    }

    @Override
    public CompletableFuture<Boolean> putNode(NodeRecord node, Duration ttl) {
        List<String> args = new ArrayList<>();
        args.add(Long.toString(node.bootEpoch()));
        args.add(Long.toString(ttl.toMillis()));
        node.fields().forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        return this.<Long>eval(PUT_NODE, ScriptOutputType.INTEGER, new String[]{nodeKey(node.id())},
                args.toArray(String[]::new)).thenApply(n -> n == 1);
    }

    @Override
    public CompletableFuture<Boolean> removeNode(String nodeId, long bootEpoch) {
        return this.<Long>eval(REMOVE_NODE, ScriptOutputType.INTEGER, new String[]{nodeKey(nodeId)},
                Long.toString(bootEpoch)).thenApply(n -> n == 1);
    }

    @Override
    public CompletableFuture<NodeRecord> node(String nodeId) {
        return readNode(nodeKey(nodeId));
    }

    private CompletableFuture<NodeRecord> readNode(String key) {
        return this.<List<Object>>eval(READ_NODE, ScriptOutputType.MULTI, new String[]{key}).thenApply(list -> {
            long ttl = (Long) list.getFirst();
            if (ttl == -2 || list.size() < 3) {
                return null;
            }
            Map<String, String> fields = new HashMap<>();
            for (int i = 1; i + 1 < list.size(); i += 2) {
                fields.put(String.valueOf(list.get(i)), String.valueOf(list.get(i + 1)));
            }
            return NodeRecord.of(fields, ttl);
        });
    }

    @Override
    public CompletableFuture<List<NodeRecord>> nodes() {
        return scan(NODE_PREFIX + "*").thenCompose(keys -> {
            List<CompletableFuture<NodeRecord>> reads = keys.stream().map(this::readNode).toList();
            return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(v -> reads.stream()
                    .map(CompletableFuture::join).filter(Objects::nonNull).toList());
        });
    }

    @Override
    public CompletableFuture<ClaimResult> claim(String room, String nodeId, String token, long floorEpoch,
                                                Duration lease) {
        return this.<List<Object>>eval(CLAIM, ScriptOutputType.MULTI, new String[]{roomKey(room), epochKey(room)},
                nodeId, token, Long.toString(lease.toMillis()), Long.toString(floorEpoch)).thenApply(r ->
                (Long) r.get(0) == 1
                        ? new ClaimResult.Claimed((Long) r.get(2))
                        : new ClaimResult.Held(new RoomOwner(room, String.valueOf(r.get(1)), (Long) r.get(2),
                        (Long) r.get(3))));
    }

    @Override
    public CompletableFuture<Boolean> renew(String room, String token, Duration lease) {
        return this.<Long>eval(RENEW, ScriptOutputType.INTEGER, new String[]{roomKey(room)}, token,
                Long.toString(lease.toMillis())).thenApply(n -> n == 1);
    }

    @Override
    public CompletableFuture<Boolean> release(String room, String token) {
        return this.<Long>eval(RELEASE, ScriptOutputType.INTEGER, new String[]{roomKey(room)}, token)
                .thenApply(n -> n == 1);
    }

    @Override
    public CompletableFuture<RoomOwner> owner(String room) {
        return this.<List<Object>>eval(OWNER, ScriptOutputType.MULTI, new String[]{roomKey(room)}).thenApply(r ->
                r.isEmpty() ? null : new RoomOwner(room, String.valueOf(r.get(0)), (Long) r.get(1), (Long) r.get(2),
                        r.size() > 3 && (Long) r.get(3) == 1));
    }

    @Override
    public CompletableFuture<Boolean> markFull(String room, String token, boolean full) {
        return this.<Long>eval(MARK_FULL, ScriptOutputType.INTEGER, new String[]{roomKey(room)}, token,
                full ? "1" : "0").thenApply(n -> n == 1);
    }

    @Override
    public CompletableFuture<Void> putEdge(String room, String nodeId, long receivers, Duration ttl) {
        return this.<Long>eval(PUT_EDGE, ScriptOutputType.INTEGER, new String[]{edgesKey(room), edgeLoadKey(room)},
                nodeId, Long.toString(receivers), Long.toString(ttl.toMillis())).thenApply(n -> null);
    }

    @Override
    public CompletableFuture<Void> dropEdge(String room, String nodeId) {
        return this.<Long>eval(DROP_EDGE, ScriptOutputType.INTEGER, new String[]{edgesKey(room), edgeLoadKey(room)},
                nodeId).thenApply(n -> null);
    }

    @Override
    public CompletableFuture<List<Edge>> edges(String room) {
        return this.<List<Object>>eval(EDGES, ScriptOutputType.MULTI, new String[]{edgesKey(room),
                edgeLoadKey(room)}).thenApply(r -> {
            List<Edge> out = new ArrayList<>();
            for (int i = 0; i + 1 < r.size(); i += 2) {
                long receivers;
                try {
                    receivers = Long.parseLong(String.valueOf(r.get(i + 1)));
                } catch (NumberFormatException e) {
                    receivers = 0;
                }
                out.add(new Edge(String.valueOf(r.get(i)), receivers));
            }
            return out;
        });
    }

    @Override
    public CompletableFuture<String> clusterKey() {
        byte[] fresh = new byte[32];
        new java.security.SecureRandom().nextBytes(fresh);
        return this.<String>eval(CLUSTER_KEY, ScriptOutputType.VALUE, new String[]{CLUSTER_KEY_NAME},
                java.util.Base64.getEncoder().encodeToString(fresh));
    }

    @Override
    public CompletableFuture<List<RoomOwner>> rooms() {
        return scan(ROOM_PREFIX + "*").thenCompose(keys -> {
            List<CompletableFuture<RoomOwner>> reads = keys.stream()
                    .map(k -> owner(k.substring(ROOM_PREFIX.length(), k.length() - 1))).toList();
            return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(v -> reads.stream()
                    .map(CompletableFuture::join).filter(Objects::nonNull).toList());
        });
    }

    /** Every key matching {@code pattern}, by SCAN (never KEYS: it would stop Redis for the whole key space). */
    private CompletableFuture<List<String>> scan(String pattern) {
        return scanFrom(ScanCursor.INITIAL, ScanArgs.Builder.matches(pattern).limit(200), new ArrayList<>());
    }

    private CompletableFuture<List<String>> scanFrom(ScanCursor cursor, ScanArgs args, List<String> keys) {
        return redis.scan(cursor, args).toCompletableFuture().thenCompose((KeyScanCursor<String> r) -> {
            keys.addAll(r.getKeys());
            return r.isFinished() ? CompletableFuture.completedFuture(keys) : scanFrom(r, args, keys);
        });
    }

    private <T> CompletableFuture<T> eval(String script, ScriptOutputType type, String[] keys, String... args) {
        return redis.<T>eval(script, type, keys, args).toCompletableFuture();
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(0, 1, TimeUnit.SECONDS);
        resources.shutdown(0, 1, TimeUnit.SECONDS);
    }
}
