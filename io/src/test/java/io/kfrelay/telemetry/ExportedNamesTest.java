package io.kfrelay.telemetry;

import io.kfrelay.admin.AdminConfig;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.server.ListenAddress;
import io.kfrelay.server.RelayServer;
import io.kfrelay.server.ServerConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: moving /metrics to the Prometheus Java client renamed nothing. The families a default relay exposes — read
 * from the text itself, in both formats — are the ones the hand-written exposition had (metric-families.txt, made
 * from it before the move): same names, same types, same label names. Nothing writes {@code _created} series.
 */
@Timeout(60)
class ExportedNamesTest {
    private static String prometheusText;
    private static String openMetricsText;

    @BeforeAll
    static void scrapeADefaultRelay() throws IOException {
        ServerConfig net = ServerConfig.builder().wsListen("127.0.0.1", 0).eventLoopThreads(1).build();
        try (RelayServer relay = new RelayServer(net, RelayConfig.defaults())
                .withAdmin(AdminConfig.defaults().withListen(new ListenAddress("127.0.0.1", 0)))
                .start()) {
            prometheusText = relay.telemetry().scrape(null).text();
            openMetricsText = relay.telemetry().scrape("application/openmetrics-text; version=1.0.0").text();
        }
    }

    @Test
    void thePrometheusTextHasTheFamiliesOfBefore() throws IOException {
        assertFamilies(families(prometheusText, false));
    }

    @Test
    void openMetricsHasTheFamiliesOfBeforeWithCountersNamedWithoutTotal() throws IOException {
        assertFamilies(families(openMetricsText, true));
    }

    @Test
    void noCreatedSeriesAndEveryNameIsKfrelay() {
        for (String text : new String[]{prometheusText, openMetricsText}) {
            assertFalse(text.contains("_created"), "no _created series");
            text.lines().filter(l -> !l.startsWith("#")).forEach(l -> assertTrue(l.startsWith("kfrelay_"), l));
        }
    }

    private static void assertFamilies(Map<String, String> exposed) throws IOException {
        Map<String, String> expected = new TreeMap<>();
        Set<String> optional = new TreeSet<>();
        try (InputStream in = ExportedNamesTest.class.getResourceAsStream("metric-families.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(" ");
                String labelNames = f.length > 2 && !f[2].equals("optional") ? f[2] : "";
                expected.put(f[0], f[1] + " " + String.join(",", new TreeSet<>(Set.of(labelNames.split(",")))));
                if (line.endsWith(" optional")) {
                    optional.add(f[0]);
                }
            }
        }
        optional.forEach(name -> {
            if (!exposed.containsKey(name)) {
                expected.remove(name);
            }
        });
        assertEquals(expected, exposed, "metric families (name -> type, label names)");
    }

    /**
     * Family name (as Prometheus stores it: counters with {@code _total}) to its type and label names, from the
     * TYPE lines and the samples' label sets. In OpenMetrics a counter's family is named without {@code _total}.
     */
    static Map<String, String> families(String text, boolean openMetrics) {
        Map<String, String> types = new TreeMap<>();
        Map<String, Set<String>> labels = new TreeMap<>();
        String family = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] f = line.split(" ");
                family = openMetrics && f[3].equals("counter") ? f[2] + "_total" : f[2];
                types.put(family, f[3]);
                labels.put(family, new LinkedHashSet<>());
            } else if (!line.startsWith("#") && !line.isBlank()) {
                labels.get(family).addAll(labelNames(line));
            }
        }
        Map<String, String> out = new TreeMap<>();
        types.forEach((name, type) -> {
            Set<String> names = new TreeSet<>(labels.get(name));
            names.remove("le");
            out.put(name, type + " " + String.join(",", names));
        });
        return out;
    }

    private static Set<String> labelNames(String sample) {
        Set<String> names = new TreeSet<>();
        int open = sample.indexOf('{');
        if (open < 0 || open > sample.indexOf(' ')) {
            return names;
        }
        int i = open + 1;
        while (sample.charAt(i) != '}') {
            int eq = sample.indexOf('=', i);
            names.add(sample.substring(i, eq));
            i = eq + 2; // past ="
            while (sample.charAt(i) != '"') {
                i += sample.charAt(i) == '\\' ? 2 : 1;
            }
            i++;
            if (sample.charAt(i) == ',') {
                i++;
            }
        }
        return names;
    }
}
