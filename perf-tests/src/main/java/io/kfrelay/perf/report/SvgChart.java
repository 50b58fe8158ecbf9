package io.kfrelay.perf.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line chart as inline SVG: axes with round-number ticks (linear, or decades on a log axis), one polyline
 * with point markers per series, a legend. No scripts, no external resources: the report must open offline.
 */
public final class SvgChart {
    /** One line: points as {x, y}; points with a non-finite or (on a log axis) non-positive y are left out. */
    public record Series(String name, String color, List<double[]> points) {
    }

    static final int WIDTH = 640;
    static final int HEIGHT = 340;
    static final int LEFT = 70;
    static final int RIGHT = 150;
    static final int TOP = 30;
    static final int BOTTOM = 50;

    private SvgChart() {
    }

    public static String render(String title, String xLabel, String yLabel, List<Series> series, boolean logY) {
        List<Series> usable = new ArrayList<>();
        for (Series s : series) {
            List<double[]> pts = s.points().stream()
                    .filter(p -> Double.isFinite(p[0]) && Double.isFinite(p[1]) && (!logY || p[1] > 0)).toList();
            if (!pts.isEmpty()) {
                usable.add(new Series(s.name(), s.color(), pts));
            }
        }
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\">%s</text>%n",
                LEFT, esc(title)));
        if (usable.isEmpty()) {
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">no data</text>%n", LEFT, HEIGHT / 2));
            return svg.append("</svg>\n").toString();
        }
        double[] xr = range(usable, 0, false);
        double[] yr = range(usable, 1, logY);
        List<Double> xt = linearTicks(xr[0], xr[1]);
        List<Double> yt = logY ? logTicks(yr[0], yr[1]) : linearTicks(yr[0], yr[1]);
        double x0 = xt.getFirst();
        double x1 = xt.getLast();
        double y0 = yt.getFirst();
        double y1 = yt.getLast();
        int pw = WIDTH - LEFT - RIGHT;
        int ph = HEIGHT - TOP - BOTTOM;
        Scale sx = v -> LEFT + (v - x0) / (x1 - x0) * pw;
        Scale sy = logY ? v -> TOP + ph - (Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0)) * ph
                : v -> TOP + ph - (v - y0) / (y1 - y0) * ph;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#999\"/>%n", LEFT, TOP, pw, ph));
        for (double t : xt) {
            double x = sx.at(t);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    x, TOP, x, TOP + ph, x, TOP + ph + 15, label(t)));
        }
        for (double t : yt) {
            double y = sy.at(t);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    LEFT, y, LEFT + pw, y, LEFT - 5, y + 4, label(t)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                LEFT + pw / 2, HEIGHT - 12, esc(xLabel)));
        svg.append(String.format(Locale.ROOT, "<text transform=\"translate(14,%d) rotate(-90)\" text-anchor=\"middle\">"
                + "%s%s</text>%n", TOP + ph / 2, esc(yLabel), logY ? " (log)" : ""));
        int legendY = TOP + 10;
        for (Series s : usable) {
            StringBuilder pts = new StringBuilder();
            for (double[] p : s.points()) {
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", sx.at(p[0]), sy.at(p[1])));
            }
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                    + "points=\"%s\"/>%n", s.color(), pts.toString().trim()));
            for (double[] p : s.points()) {
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">"
                        + "<title>%s: %s, %s</title></circle>%n", sx.at(p[0]), sy.at(p[1]), s.color(), esc(s.name()),
                        label(p[0]), label(p[1])));
            }
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + pw + 10, legendY - 4, s.color(),
                    LEFT + pw + 27, legendY, esc(s.name())));
            legendY += 16;
        }
        return svg.append("</svg>\n").toString();
    }

    @FunctionalInterface
    private interface Scale {
        double at(double v);
    }

    private static double[] range(List<Series> series, int axis, boolean log) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double[] p : s.points()) {
                lo = Math.min(lo, p[axis]);
                hi = Math.max(hi, p[axis]);
            }
        }
        if (!log) {
            lo = Math.min(lo, 0); // rates, counts and latencies read best from zero
        }
        if (hi <= lo) {
            hi = lo == 0 ? 1 : log ? lo * 10 : lo + Math.abs(lo);
        }
        return new double[]{lo, hi};
    }

    /** Round ticks (steps of 1, 2 or 5 times a power of ten) covering [lo, hi], about five of them. */
    static List<Double> linearTicks(double lo, double hi) {
        double raw = (hi - lo) / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag <= 1 ? mag : raw / mag <= 2 ? 2 * mag : raw / mag <= 5 ? 5 * mag : 10 * mag;
        List<Double> ticks = new ArrayList<>();
        double first = Math.floor(lo / step) * step;
        for (double t = first; t < hi + step * 0.999; t += step) {
            ticks.add(Math.abs(t) < step * 1e-9 ? 0.0 : t);
        }
        return ticks;
    }

    /** Powers of ten covering [lo, hi]. */
    static List<Double> logTicks(double lo, double hi) {
        List<Double> ticks = new ArrayList<>();
        for (int e = (int) Math.floor(Math.log10(lo)); e <= (int) Math.ceil(Math.log10(hi)); e++) {
            ticks.add(Math.pow(10, e));
        }
        if (ticks.size() < 2) {
            ticks.add(ticks.getLast() * 10);
        }
        return ticks;
    }

    /** 1234567 → 1.23M, 0.5 → 0.5. */
    static String label(double v) {
        double a = Math.abs(v);
        if (a >= 1e9) {
            return trim(v / 1e9) + "G";
        }
        if (a >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        if (a >= 1e4) {
            return trim(v / 1e3) + "k";
        }
        return trim(v);
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, Math.abs(v) >= 100 || v == Math.rint(v) ? "%.0f" : "%.3g", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
