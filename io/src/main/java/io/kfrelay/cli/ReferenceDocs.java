package io.kfrelay.cli;

import io.kfrelay.admin.AdminConfig;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.server.ListenAddress;
import io.kfrelay.server.RelayServer;
import io.kfrelay.server.ServerConfig;
import io.kfrelay.telemetry.MetricFamily;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the generated parts of docs/OPERATIONS.md: the configuration reference, from {@code serve}'s picocli
 * definitions, and the metrics reference, from what a started relay's {@code /metrics} exports. So the guide
 * cannot drift from the code: a test compares them and names the command that regenerates them,
 * {@code ./kfrelay docs}.
 */
public final class ReferenceDocs {
    static final String CONFIG_SECTION = "configuration";
    static final String METRICS_SECTION = "metrics";

    private ReferenceDocs() {
    }

    /** {@code ReferenceDocs FILE}: rewrites the generated sections of FILE in place. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ReferenceDocs docs/OPERATIONS.md");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        String doc = Files.readString(file, StandardCharsets.UTF_8);
        String updated = replaceSection(replaceSection(doc, CONFIG_SECTION, configReference()), METRICS_SECTION,
                metricsReference());
        if (!updated.equals(doc)) {
            Files.writeString(file, updated, StandardCharsets.UTF_8);
            System.out.println("updated " + file);
        } else {
            System.out.println(file + " is up to date");
        }
        System.exit(0); // the relay started for the metrics leaves no thread behind, but be sure
    }

    static String begin(String section) {
        return "<!-- BEGIN GENERATED " + section + ": ./kfrelay docs rewrites this section -->";
    }

    static String end(String section) {
        return "<!-- END GENERATED " + section + " -->";
    }

    /** The text between a section's markers (markers excluded). */
    static String section(String doc, String section) {
        int from = doc.indexOf(begin(section));
        int to = doc.indexOf(end(section));
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("no generated " + section + " section (markers " + begin(section)
                    + " ... " + end(section) + ")");
        }
        return doc.substring(from + begin(section).length(), to);
    }

    static String replaceSection(String doc, String section, String body) {
        String old = section(doc, section);
        int from = doc.indexOf(begin(section)) + begin(section).length();
        return doc.substring(0, from) + "\n" + body + doc.substring(from + old.length());
    }

    /** One row per {@code serve} option: names, environment variable, config key, default, meaning. */
    static String configReference() {
        CommandSpec serve = new CommandLine(new Main()).getSubcommands().get("serve").getCommandSpec();
        StringBuilder out = new StringBuilder();
        out.append("| Option | Environment / config key | Default | Meaning |\n");
        out.append("|---|---|---|---|\n");
        for (OptionSpec o : serve.options()) {
            if (o.usageHelp() || o.versionHelp()) {
                continue;
            }
            String name = o.longestName();
            String key = name.substring(2);
            String option = "`" + cell(name + (o.typeInfo().isBoolean() ? "" : " " + o.paramLabel())) + "`";
            String where = name.equals(ServeDefaults.CONFIG_OPTION)
                    ? "`" + ServeDefaults.envName(key) + "`"
                    : "`" + ServeDefaults.envName(key) + "`, `" + key + "`";
            String def = o.defaultValue() == null || o.defaultValue().isEmpty() ? "" : "`" + o.defaultValue() + "`";
            out.append("| ").append(option).append(" | ").append(where).append(" | ").append(def).append(" | ")
                    .append(cell(String.join(" ", o.description()))).append(" |\n");
        }
        return out.toString();
    }

    /** One row per metric family a relay exports: name, type, labels, meaning. */
    static String metricsReference() {
        List<MetricFamily> families = new ArrayList<>(exportedFamilies());
        // A node of a cluster (serve --cluster) exports its cluster counters too.
        families.addAll(new io.kfrelay.telemetry.MetricsRegistry().register(new io.kfrelay.cluster.ClusterMetrics())
                .collect());
        StringBuilder out = new StringBuilder();
        out.append("| Metric | Type | Labels | Meaning |\n");
        out.append("|---|---|---|---|\n");
        for (MetricFamily f : families) {
            List<String> labels = new ArrayList<>(f.labelNames());
            if (f.type() == MetricFamily.Type.HISTOGRAM) {
                labels.add("le");
            }
            out.append("| `").append(f.name()).append("` | ").append(f.type().word()).append(" | ")
                    .append(labels.isEmpty() ? "" : "`" + String.join("`, `", labels) + "`").append(" | ")
                    .append(cell(f.help())).append(" |\n");
        }
        return out.toString();
    }

    /** What /metrics of a relay started with the defaults (on loopback, free ports) exports. */
    public static List<MetricFamily> exportedFamilies() {
        ServerConfig net = ServerConfig.builder().wsListen("127.0.0.1", 0).eventLoopThreads(1).build();
        try (RelayServer relay = new RelayServer(net, RelayConfig.defaults())
                .withAdmin(AdminConfig.defaults().withListen(new ListenAddress("127.0.0.1", 0)))
                .start()) {
            return relay.telemetry().collect();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a relay on loopback to list its metrics: " + e.getMessage(), e);
        }
    }

    /** Help text as one Markdown table cell (picocli's %% and %n, pipes and newlines made safe). */
    private static String cell(String text) {
        return text.replace("%%", "%").replace("%n", " ").replace("|", "\\|").replace("\n", " ").strip()
                .replaceAll(" {2,}", " ");
    }
}
