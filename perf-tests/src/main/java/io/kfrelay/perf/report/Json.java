package io.kfrelay.perf.report;

import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * A small JSON writer for the report: maps (written in their iteration order, so use LinkedHashMap), collections,
 * strings, numbers, booleans and null. Non-finite numbers (a ratio over nothing) become null. Output is indented
 * two spaces, one member per line, arrays of numbers on one line.
 */
public final class Json {
    private Json() {
    }

    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.append('\n').toString();
    }

    private static void write(StringBuilder sb, Object v, int indent) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> string(sb, s);
            case Boolean b -> sb.append(b);
            case Double d -> number(sb, d);
            case Float f -> number(sb, f.doubleValue());
            case Number n -> sb.append(n.longValue());
            case Enum<?> e -> string(sb, e.name().toLowerCase(java.util.Locale.ROOT));
            case Map<?, ?> m -> object(sb, m, indent);
            case Collection<?> c -> array(sb, c, indent);
            default -> throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON");
        }
    }

    private static void object(StringBuilder sb, Map<?, ?> m, int indent) {
        if (m.isEmpty()) {
            sb.append("{}");
            return;
        }
        sb.append("{\n");
        Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<?, ?> e = it.next();
            pad(sb, indent + 1);
            string(sb, String.valueOf(e.getKey()));
            sb.append(": ");
            write(sb, e.getValue(), indent + 1);
            sb.append(it.hasNext() ? ",\n" : "\n");
        }
        pad(sb, indent);
        sb.append('}');
    }

    private static void array(StringBuilder sb, Collection<?> c, int indent) {
        if (c.isEmpty()) {
            sb.append("[]");
            return;
        }
        boolean flat = c.stream().allMatch(x -> x == null || x instanceof Number);
        sb.append(flat ? "[" : "[\n");
        Iterator<?> it = c.iterator();
        while (it.hasNext()) {
            if (!flat) {
                pad(sb, indent + 1);
            }
            write(sb, it.next(), indent + 1);
            if (it.hasNext()) {
                sb.append(flat ? ", " : ",\n");
            }
        }
        if (!flat) {
            sb.append('\n');
            pad(sb, indent);
        }
        sb.append(']');
    }

    private static void number(StringBuilder sb, double d) {
        if (!Double.isFinite(d)) {
            sb.append("null");
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            sb.append((long) d);
        } else {
            // Enough digits for any figure in the report, without binary noise like 0.30000000000000004.
            sb.append(new java.math.BigDecimal(d).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString());
        }
    }

    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static void pad(StringBuilder sb, int indent) {
        sb.append("  ".repeat(indent));
    }
}
