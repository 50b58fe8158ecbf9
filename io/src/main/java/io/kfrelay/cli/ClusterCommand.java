package io.kfrelay.cli;

import io.kfrelay.cluster.ClusterStore;
import io.kfrelay.cluster.NodeRecord;
import io.kfrelay.cluster.RedisClusterStore;
import io.kfrelay.cluster.RoomOwner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code kfrelay cluster status}: the cluster as its Redis holds it. docs/CLUSTER.md. */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "Look at a kfrelay cluster.",
        subcommands = {ClusterCommand.Status.class})
final class ClusterCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a cluster command: status");
    }

    @Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Print the registered nodes (id, URLs, state, load, boot epoch, TTL) and the owned rooms "
                    + "(owner, epoch, lease left, whether the origin is full of receivers, the edges relaying each "
                    + "with their receivers), read from Redis with SCAN.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--redis", paramLabel = "URI", required = true,
                description = "The cluster's Redis, as given to serve --cluster: redis://HOST:PORT.")
        String redis;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "2s", converter = Converters.Time.class,
                description = "How long to wait for Redis.")
        Duration timeout;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try (RedisClusterStore store = RedisClusterStore.connect(redis, timeout)) {
                long wait = timeout.toMillis() * 4;
                List<NodeRecord> nodes = store.nodes().get(wait, TimeUnit.MILLISECONDS).stream()
                        .sorted(Comparator.comparing(NodeRecord::id)).toList();
                List<RoomOwner> rooms = store.rooms().get(wait, TimeUnit.MILLISECONDS).stream()
                        .sorted(Comparator.comparing(RoomOwner::room)).toList();
                out.printf("nodes (%d)%n", nodes.size());
                out.printf("  %-24s %-9s %6s %5s %5s %7s  %s%n", "ID", "STATE", "PARTS", "ROOMS", "BOOT", "TTL", "URLS");
                for (NodeRecord n : nodes) {
                    out.printf("  %-24s %-9s %6d %5d %5d %6.1fs  %s%s%s%s%n", n.id(), n.state(), n.participants(),
                            n.rooms(), n.bootEpoch(), n.ttlMillis() / 1000.0, n.ws(),
                            n.quic().isEmpty() ? "" : " " + n.quic(),
                            n.quicPin().isEmpty() ? "" : " pin " + n.quicPin(),
                            n.admin().isEmpty() ? "" : " admin " + n.admin());
                }
                out.printf("rooms (%d)%n", rooms.size());
                out.printf("  %-32s %-24s %6s %7s %-4s  %s%n", "ROOM", "OWNER", "EPOCH", "LEASE", "FULL",
                        "EDGES (receivers)");
                for (RoomOwner r : rooms) {
                    String edges = store.edges(r.room()).get(wait, TimeUnit.MILLISECONDS).stream()
                            .sorted(Comparator.comparing(ClusterStore.Edge::node))
                            .map(e -> e.node() + " (" + e.receivers() + ")")
                            .collect(java.util.stream.Collectors.joining(", "));
                    out.printf("  %-32s %-24s %6d %6.1fs %-4s  %s%n", r.room(), r.node(), r.epoch(),
                            r.ttlMillis() / 1000.0, r.full() ? "yes" : "no", edges.isEmpty() ? "-" : edges);
                }
                out.flush();
                return 0;
            } catch (IOException e) {
                err.println("kfrelay cluster status: " + e.getMessage());
                return 1;
            } catch (Exception e) {
                err.println("kfrelay cluster status: Redis did not answer: " + RedisClusterStore.message(e));
                return 1;
            }
        }
    }
}
