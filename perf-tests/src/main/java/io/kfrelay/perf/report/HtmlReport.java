package io.kfrelay.perf.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The run as one self-contained HTML page: headline figures, charts (inline SVG), a table per step, the setup
 * and notes, and the JSON itself. Opens offline: no scripts, fonts or stylesheets from anywhere.
 */
public final class HtmlReport {
    private static final String P50 = "#1f77b4";
    private static final String P99 = "#ff7f0e";
    private static final String P999 = "#d62728";
    private static final String OTHER = "#2ca02c";

    private HtmlReport() {
    }

    public static String render(RunReport r, String json, int cpus) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>kfrelay perf: ")
                .append(SvgChart.esc(r.scenario())).append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:2em;max-width:1400px;color:#222}")
                .append("table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;")
                .append("text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}")
                .append(".charts{display:flex;flex-wrap:wrap;gap:12px}.charts svg{border:1px solid #eee}")
                .append("pre{background:#f8f8f8;padding:1em;overflow:auto;font-size:11px}.note{color:#8a4b00}")
                .append("\n</style></head><body>\n");
        h.append("<h1>kfrelay perf: ").append(SvgChart.esc(r.scenario())).append(r.quick() ? " (quick)" : "")
                .append("</h1>\n<p>").append(SvgChart.esc(r.description())).append("<br>transport ")
                .append(SvgChart.esc(r.transport())).append(", started ").append(r.startedAt()).append(", ")
                .append(fmt(r.wallSeconds())).append(" s</p>\n");
        headline(h, r);
        charts(h, r, cpus);
        table(h, r);
        if (!r.notes().isEmpty()) {
            h.append("<h2>Notes</h2>\n<ul>\n");
            r.notes().forEach(n -> h.append("<li class=\"note\">").append(SvgChart.esc(n)).append("</li>\n"));
            h.append("</ul>\n");
        }
        h.append("<h2>Report JSON</h2>\n<details><summary>show</summary><pre>").append(SvgChart.esc(json))
                .append("</pre></details>\n</body></html>\n");
        return h.toString();
    }

    private static void headline(StringBuilder h, RunReport r) {
        StepResult s = r.headlineStep();
        if (s == null) {
            h.append("<p>No step was measured.</p>\n");
            return;
        }
        h.append("<h2>Headline (step ").append(SvgChart.esc(s.label())).append(")</h2>\n<table>\n");
        row(h, "egress", fmt(s.egressPps()) + " packets/s, " + fmt(s.egressBytesPerSecond() / 1e6) + " MB/s");
        if (s.receivers() > 0) {
            row(h, "egress per receiver", fmt(s.egressPpsPerReceiver()) + " packets/s, "
                    + fmt(s.egressBytesPerSecondPerReceiver() / 1e6) + " MB/s (" + s.receivers() + " receivers)");
        }
        if (s.relayEgressBytesPerSecond() != null) {
            row(h, "relay egress (its own counters)", (s.relayEgressPps() == null ? "-" : fmt(s.relayEgressPps()))
                    + " packets/s, " + fmt(s.relayEgressBytesPerSecond() / 1e6) + " MB/s");
        }
        row(h, "loss ratio", String.format(Locale.ROOT, "%.5f", s.lossRatio()));
        if (s.latencyUs() != null) {
            LatencySummary l = s.latencyUs();
            row(h, "relay-added latency", "p50 " + us(l.p50()) + ", p99 " + us(l.p99()) + ", p99.9 " + us(l.p999())
                    + ", max " + us(l.max()));
        }
        row(h, "relay CPU per egress packet", fmt(s.relayCpuUsPerEgressPacket()) + " µs ("
                + fmt(s.relayCpuCores()) + " cores; harness " + fmt(s.harnessCpuCores()) + " cores)");
        if (s.lateJoinUs() != null) {
            row(h, "late join", "p50 " + us(s.lateJoinUs().p50()) + ", p99 " + us(s.lateJoinUs().p99())
                    + " (" + s.lateJoinUs().count() + " samples, " + s.lateJoinIncomplete() + " incomplete)");
        }
        if (s.scenarioResults() != null) {
            s.scenarioResults().forEach((k, v) -> {
                if (v instanceof java.util.Map<?, ?> m && m.get("p50") instanceof Double p50 && m.get("p99") instanceof Double p99) {
                    row(h, k.replace('_', ' '), "p50 " + fmt(p50) + ", p99 " + fmt(p99)
                            + (m.get("max") instanceof Double max ? ", max " + fmt(max) : "")
                            + (m.get("count") == null ? "" : " (" + m.get("count") + ")"));
                } else if (v != null) {
                    row(h, k.replace('_', ' '), String.valueOf(v));
                }
            });
        }
        row(h, "relay GC pauses (whole run)", r.relayGc().count() + " pauses, total " + fmt(r.relayGc().totalMs())
                + " ms, max " + fmt(r.relayGc().maxMs()) + " ms");
        row(h, "relay RSS", fmt(s.relayRssBytes() / 1048576.0) + " MiB (peak " + fmt(r.relayPeakRssBytes() / 1048576.0)
                + " MiB)");
        row(h, "off-heap cache", s.offheapCacheBytes() == null ? "not exposed by this relay"
                : fmt(s.offheapCacheBytes() / 1024.0) + " KiB");
        if (r.knee() != null) {
            row(h, "knee", r.knee().lastGood() >= 0
                    ? r.steps().get(r.knee().lastGood()).label() + " (" + fmt(r.steps().get(r.knee().lastGood()).egressPps())
                    + " egress packets/s); " + r.knee().reason()
                    : r.knee().reason());
        }
        h.append("</table>\n");
    }

    private static void row(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(SvgChart.esc(k)).append("</th><td>").append(SvgChart.esc(v)).append("</td></tr>\n");
    }

    private static void charts(StringBuilder h, RunReport r, int cpus) {
        List<StepResult> steps = r.steps();
        h.append("<h2>Charts</h2>\n<div class=\"charts\">\n");
        h.append(SvgChart.render("Relay-added latency against offered load", "offered egress (packets/s)",
                "latency (µs)", List.of(
                        series("p50", P50, steps, StepResult::offeredEgressPps, s -> lat(s, 0)),
                        series("p99", P99, steps, StepResult::offeredEgressPps, s -> lat(s, 1)),
                        series("p99.9", P999, steps, StepResult::offeredEgressPps, s -> lat(s, 2))), true));
        h.append(SvgChart.render("Relay CPU per egress packet against subscribers", "subscribers",
                "relay CPU per packet (µs)", List.of(
                        series("relay", P50, steps, s -> s.subscribers(), StepResult::relayCpuUsPerEgressPacket)),
                false));
        // The offered line first, so that delivered is drawn over it and shows where it falls below.
        h.append(SvgChart.render("Delivered against offered", "offered egress (packets/s)", "packets/s", List.of(
                series("offered", "#bbb", steps, StepResult::offeredEgressPps, StepResult::offeredEgressPps),
                series("delivered", P50, steps, StepResult::offeredEgressPps, StepResult::egressPps)), false));
        h.append(SvgChart.render("CPU against subscribers", "subscribers", "cores", List.of(
                series("relay", P50, steps, s -> s.subscribers(), StepResult::relayCpuCores),
                series("harness", P99, steps, s -> s.subscribers(), StepResult::harnessCpuCores),
                series("machine (" + cpus + " CPUs)", "#999", steps, s -> s.subscribers(),
                        s -> s.machineBusyRatio() * cpus)), false));
        if (steps.stream().anyMatch(s -> s.lateJoinUs() != null)) {
            h.append(SvgChart.render("Late join (JOIN to first complete keyframe)", "subscribers", "ms", List.of(
                    series("p50", P50, steps, s -> s.subscribers(), s -> s.lateJoinUs() == null ? Double.NaN
                            : s.lateJoinUs().p50() / 1000),
                    series("p99", P99, steps, s -> s.subscribers(), s -> s.lateJoinUs() == null ? Double.NaN
                            : s.lateJoinUs().p99() / 1000)), false));
        }
        h.append("</div>\n");
    }

    private static double lat(StepResult s, int which) {
        LatencySummary l = s.latencyUs();
        return l == null ? Double.NaN : switch (which) {
            case 0 -> l.p50();
            case 1 -> l.p99();
            default -> l.p999();
        };
    }

    private static SvgChart.Series series(String name, String color, List<StepResult> steps,
                                          ToDoubleFunction<StepResult> x, ToDoubleFunction<StepResult> y) {
        List<double[]> pts = new ArrayList<>();
        steps.forEach(s -> pts.add(new double[]{x.applyAsDouble(s), y.applyAsDouble(s)}));
        return new SvgChart.Series(name, color, pts);
    }

    private static void table(StringBuilder h, RunReport r) {
        h.append("<h2>Steps</h2>\n<table>\n<tr><th>step</th><th>offered pkt/s</th><th>egress pkt/s</th><th>MB/s</th>")
                .append("<th>loss</th><th>p50</th><th>p99</th><th>p99.9</th><th>max</th><th>relay µs/pkt</th>")
                .append("<th>relay cores</th><th>harness cores</th><th>machine busy</th><th>GC pauses (max ms)</th>")
                .append("<th>RSS MiB</th><th>late join p50/p99</th><th>busiest relay threads</th><th>hint</th></tr>\n");
        for (StepResult s : r.steps()) {
            LatencySummary l = s.latencyUs();
            h.append("<tr><td>").append(SvgChart.esc(s.label())).append("</td>")
                    .append(td(fmt(s.offeredEgressPps()))).append(td(fmt(s.egressPps())))
                    .append(td(fmt(s.egressBytesPerSecond() / 1e6)))
                    .append(td(String.format(Locale.ROOT, "%.5f", s.lossRatio())))
                    .append(td(l == null ? "-" : us(l.p50()))).append(td(l == null ? "-" : us(l.p99())))
                    .append(td(l == null ? "-" : us(l.p999()))).append(td(l == null ? "-" : us(l.max())))
                    .append(td(fmt(s.relayCpuUsPerEgressPacket()))).append(td(fmt(s.relayCpuCores())))
                    .append(td(fmt(s.harnessCpuCores())))
                    .append(td(String.format(Locale.ROOT, "%.0f%%", s.machineBusyRatio() * 100)))
                    .append(td(s.relayGc().count() + " (" + fmt(s.relayGc().maxMs()) + ")"))
                    .append(td(fmt(s.relayRssBytes() / 1048576.0)))
                    .append(td(s.lateJoinUs() == null ? "-" : us(s.lateJoinUs().p50()) + " / " + us(s.lateJoinUs().p99())))
                    .append(td(String.join(", ", s.relayThreads().stream().limit(3)
                            .map(t -> t.name() + " " + fmt(t.cores())).toList())))
                    .append(td(SaturationHint.of(s) == null ? "" : SaturationHint.of(s)))
                    .append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static String td(String s) {
        return "<td>" + SvgChart.esc(s) + "</td>";
    }

    /** Microseconds as µs below 10 ms, else ms. */
    static String us(double us) {
        return us < 10_000 ? fmt(us) + " µs" : fmt(us / 1000) + " ms";
    }

    static String fmt(double v) {
        if (!Double.isFinite(v)) {
            return "-";
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        String s = String.format(Locale.ROOT, "%.3g", v);
        return s.contains(".") && !s.contains("e") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }
}
