package io.kfrelay.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Spec: the configuration and metrics references in docs/OPERATIONS.md are what the code defines — every serve
 * option with its default, every metric /metrics exports. When an option or a metric changes, this fails and
 * says how to regenerate them.
 */
@Timeout(30)
class OperationsDocTest {
    private static final String REGENERATE = "docs/OPERATIONS.md is out of date; regenerate it with ./kfrelay docs "
            + "(or: java -cp io/target/kfrelay.jar io.kfrelay.cli.ReferenceDocs docs/OPERATIONS.md) and commit it";

    /** docs/OPERATIONS.md of this checkout (tests run in the module's directory). */
    static Path operationsDoc() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docs/OPERATIONS.md"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new AssertionError("no docs/OPERATIONS.md above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("docs/OPERATIONS.md");
    }

    private static String doc() throws IOException {
        return Files.readString(operationsDoc(), StandardCharsets.UTF_8);
    }

    @Test
    void theConfigurationReferenceListsEveryServeOptionAsDefined() throws IOException {
        assertEquals("\n" + ReferenceDocs.configReference(), ReferenceDocs.section(doc(), ReferenceDocs.CONFIG_SECTION),
                REGENERATE);
    }

    @Test
    void theMetricsReferenceListsEveryExportedMetric() throws IOException {
        assertEquals("\n" + ReferenceDocs.metricsReference(), ReferenceDocs.section(doc(), ReferenceDocs.METRICS_SECTION),
                REGENERATE);
    }

    @Test
    void regeneratingReplacesOnlyTheGeneratedSections() {
        String doc = "intro\n" + ReferenceDocs.begin("configuration") + "\nold\n" + ReferenceDocs.end("configuration")
                + "\noutro\n";
        assertEquals("intro\n" + ReferenceDocs.begin("configuration") + "\nnew\n" + ReferenceDocs.end("configuration")
                + "\noutro\n", ReferenceDocs.replaceSection(doc, "configuration", "new\n"));
    }
}
