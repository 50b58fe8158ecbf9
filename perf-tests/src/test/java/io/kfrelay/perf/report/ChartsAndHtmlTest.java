package io.kfrelay.perf.report;

import io.kfrelay.perf.os.GcPauses;
import io.kfrelay.perf.testing.Steps;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChartsAndHtmlTest {

    @Test
    void linearTicksAreRoundAndCoverTheRange() {
        assertEquals(List.of(0.0, 2000.0, 4000.0, 6000.0, 8000.0), SvgChart.linearTicks(0, 7300));
        List<Double> t = SvgChart.linearTicks(0, 0.37);
        assertEquals(0.0, t.getFirst());
        assertTrue(t.getLast() >= 0.37 && t.size() <= 8, t.toString());
    }

    @Test
    void logTicksAreDecades() {
        assertEquals(List.of(100.0, 1000.0, 10_000.0, 100_000.0), SvgChart.logTicks(150, 40_000));
        assertEquals(List.of(1000.0, 10_000.0), SvgChart.logTicks(1000, 1000));
    }

    @Test
    void labelsAreShort() {
        assertEquals("1.23M", SvgChart.label(1_234_567));
        assertEquals("40k", SvgChart.label(40_000));
        assertEquals("0.5", SvgChart.label(0.5));
        assertEquals("250", SvgChart.label(250));
    }

    @Test
    void aChartDrawsOneLineWithAMarkerPerPointAndSkipsWhatALogAxisCannotShow() {
        String svg = SvgChart.render("t <&>", "x", "y", List.of(new SvgChart.Series("p99", "#f00",
                List.of(new double[]{1, 10}, new double[]{2, 0}, new double[]{3, Double.NaN}, new double[]{4, 1000}))),
                true);
        assertEquals(1, count(svg, "<polyline"));
        assertEquals(2, count(svg, "<circle"), "0 and NaN have no place on a log axis");
        assertTrue(svg.contains("t &lt;&amp;&gt;"));
        assertTrue(SvgChart.render("t", "x", "y", List.of(), false).contains("no data"));
    }

    @Test
    void theHtmlIsSelfContained() {
        RunReport r = new RunReport("saturation", "d", false, "ws", Instant.EPOCH, 1,
                Map.of(), List.of(Steps.step("video=1Mbps", 20, 100, 100, 900), Steps.step("video=2Mbps", 20, 200, 150, 90_000)),
                0, new io.kfrelay.perf.scenario.Knee(0, 1, "video=2Mbps: loss"), new GcPauses.Summary(0, 0, 0), 1,
                Map.of(), List.of("note <b>"));
        String html = HtmlReport.render(r, "{\"x\": 1}", 2);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertEquals(5, count(html, "<svg"), "latency, CPU per packet, delivered, cores, late join");
        assertFalse(html.contains("<script"));
        assertFalse(html.contains("src="));
        assertFalse(html.contains("href="));
        assertFalse(html.replace("http://www.w3.org/2000/svg", "").contains("http"), "nothing fetched from anywhere");
        assertTrue(html.contains("note &lt;b&gt;"));
        assertTrue(html.contains("video=1Mbps (50 egress packets/s)"), "the knee");
    }

    private static int count(String s, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
