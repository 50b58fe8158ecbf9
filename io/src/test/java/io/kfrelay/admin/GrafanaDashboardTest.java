package io.kfrelay.admin;

import io.kfrelay.cli.ReferenceDocs;
import io.kfrelay.telemetry.MetricFamily;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Spec: the Grafana dashboard is valid JSON, and every metric it queries is one the relay exports. */
@Timeout(30)
class GrafanaDashboardTest {
    private static final Pattern METRIC = Pattern.compile("kfrelay_[a-z0-9_]+");

    @Test
    void everyQueryOfTheDashboardNamesAnExportedMetric() throws IOException {
        String json = Files.readString(dashboard(), StandardCharsets.UTF_8);
        Map<String, Object> dash = JsonReader.object(json); // throws if it is not JSON
        assertEquals("kfrelay", dash.get("title"));

        Set<String> exported = ReferenceDocs.exportedFamilies().stream().map(MetricFamily::name)
                .collect(Collectors.toSet());
        Set<String> queried = new TreeSet<>();
        Matcher m = METRIC.matcher(exprs(dash).stream().collect(Collectors.joining("\n")));
        while (m.find()) {
            queried.add(m.group().replaceAll("_(bucket|sum|count)$", ""));
        }
        assertFalse(queried.isEmpty(), "the dashboard queries kfrelay metrics");
        Set<String> unknown = new TreeSet<>(queried);
        unknown.removeAll(exported);
        assertEquals(Set.of(), unknown, "metrics the dashboard queries but the relay does not export");
    }

    private static List<String> exprs(Map<String, Object> dash) {
        return ((List<?>) dash.get("panels")).stream().map(p -> (Map<?, ?>) p)
                .filter(p -> p.get("targets") != null)
                .flatMap(p -> ((List<?>) p.get("targets")).stream())
                .map(t -> (String) ((Map<?, ?>) t).get("expr")).toList();
    }

    private static Path dashboard() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docs/grafana/kfrelay.json"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new AssertionError("no docs/grafana/kfrelay.json above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("docs/grafana/kfrelay.json");
    }
}
