package io.kfrelay.log;

/** Fills {@code {}} placeholders for structured {@code key=value} log lines, quoting values that need it. */
public final class LogFormat {
    private LogFormat() {
    }

    public static String format(String format, Object... args) {
        StringBuilder out = new StringBuilder(format.length() + 16 * args.length);
        int arg = 0;
        int from = 0;
        int at;
        while ((at = format.indexOf("{}", from)) >= 0) {
            out.append(format, from, at);
            out.append(arg < args.length ? value(args[arg++]) : "{}");
            from = at + 2;
        }
        out.append(format, from, format.length());
        return out.toString();
    }

    /** A value as it appears after {@code key=}: bare when it can be, else double-quoted with escapes. */
    public static String value(Object v) {
        String s = String.valueOf(v);
        boolean plain = !s.isEmpty();
        for (int i = 0; i < s.length() && plain; i++) {
            char c = s.charAt(i);
            plain = c > ' ' && c != '"' && c != '=' && c != '\\' && c != 0x7F;
        }
        if (plain) {
            return s;
        }
        StringBuilder q = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\r' -> q.append("\\r");
                case '\t' -> q.append("\\t");
                default -> q.append(c);
            }
        }
        return q.append('"').toString();
    }
}
