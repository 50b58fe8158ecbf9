package io.kfrelay.security;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict, bounded JSON (RFC 8259) reader and a small writer, for join tokens. Reading never throws anything
 * but {@link JsonException}: objects become {@code Map<String, Object>} (duplicate keys are an error), arrays
 * {@code List<Object>}, strings {@code String}, integers that fit {@code Long}, other numbers {@code Double},
 * {@code true}/{@code false} {@code Boolean}, {@code null} {@link #NULL}. Nesting deeper than
 * {@value #MAX_DEPTH} is refused, so hostile input cannot exhaust the stack; callers bound the length.
 */
public final class Json {
    /** Deepest nesting accepted. Tokens need 1; a little room for other issuers' claims. */
    public static final int MAX_DEPTH = 16;
    /** The JSON value {@code null} (maps cannot hold Java null). */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private final String text;
    private int pos;

    private Json(String text) {
        this.text = text;
    }

    /** A malformed document; the message says what and where. */
    public static final class JsonException extends Exception {
        JsonException(String message) {
            super(message);
        }
    }

    /** Parses a document whose top level must be an object. */
    public static Map<String, Object> parseObject(String text) throws JsonException {
        Json p = new Json(text);
        p.skipWhitespace();
        if (p.peek() != '{') {
            throw p.error("expected an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) p.value(0);
        p.skipWhitespace();
        if (p.pos != text.length()) {
            throw p.error("unexpected content after the object");
        }
        return object;
    }

    // ------------------------------------------------------------------ reading

    private Object value(int depth) throws JsonException {
        if (depth >= MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH);
        }
        skipWhitespace();
        return switch (peek()) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", NULL);
            case -1 -> throw error("unexpected end");
            default -> number();
        };
    }

    private Map<String, Object> object(int depth) throws JsonException {
        pos++; // {
        Map<String, Object> out = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return Map.of();
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a key");
            }
            String key = string();
            skipWhitespace();
            expect(':');
            Object v = value(depth + 1);
            if (out.putIfAbsent(key, v) != null) {
                throw error("duplicate key \"" + key + "\"");
            }
            skipWhitespace();
            int c = next();
            if (c == '}') {
                return Collections.unmodifiableMap(out);
            }
            if (c != ',') {
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array(int depth) throws JsonException {
        pos++; // [
        List<Object> out = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return List.of();
        }
        while (true) {
            out.add(value(depth + 1));
            skipWhitespace();
            int c = next();
            if (c == ']') {
                return Collections.unmodifiableList(out);
            }
            if (c != ',') {
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string() throws JsonException {
        pos++; // opening quote
        StringBuilder s = new StringBuilder();
        while (true) {
            int c = next();
            switch (c) {
                case -1 -> throw error("unterminated string");
                case '"' -> {
                    return s.toString();
                }
                case '\\' -> escape(s);
                default -> {
                    if (c < 0x20) {
                        throw error("control character in a string");
                    }
                    if (Character.isSurrogate((char) c)) {
                        surrogatePair(s, (char) c);
                    } else {
                        s.append((char) c);
                    }
                }
            }
        }
    }

    private void escape(StringBuilder s) throws JsonException {
        int c = next();
        switch (c) {
            case '"' -> s.append('"');
            case '\\' -> s.append('\\');
            case '/' -> s.append('/');
            case 'b' -> s.append('\b');
            case 'f' -> s.append('\f');
            case 'n' -> s.append('\n');
            case 'r' -> s.append('\r');
            case 't' -> s.append('\t');
            case 'u' -> {
                char u = hex4();
                if (Character.isHighSurrogate(u)) {
                    // Only a \\u-escaped low surrogate may follow: lone halves are not text.
                    if (next() != '\\' || next() != 'u') {
                        throw error("unpaired surrogate escape");
                    }
                    char low = hex4();
                    if (!Character.isLowSurrogate(low)) {
                        throw error("unpaired surrogate escape");
                    }
                    s.append(u).append(low);
                } else if (Character.isLowSurrogate(u)) {
                    throw error("unpaired surrogate escape");
                } else {
                    s.append(u);
                }
            }
            default -> throw error("bad escape");
        }
    }

    private void surrogatePair(StringBuilder s, char high) throws JsonException {
        int low = next();
        if (!Character.isHighSurrogate(high) || low == -1 || !Character.isLowSurrogate((char) low)) {
            throw error("unpaired surrogate");
        }
        s.append(high).append((char) low);
    }

    private char hex4() throws JsonException {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(next(), 16);
            if (d < 0) {
                throw error("bad \\u escape");
            }
            v = v << 4 | d;
        }
        return (char) v;
    }

    private Object number() throws JsonException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            digits();
        } else {
            throw error("unexpected character");
        }
        boolean integral = true;
        if (peek() == '.') {
            pos++;
            integral = false;
            requireDigits();
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            integral = false;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            requireDigits();
        }
        String literal = text.substring(start, pos);
        if (integral) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException tooBig) {
                // falls through: a huge integer is still a number
            }
        }
        return Double.parseDouble(literal);
    }

    private void requireDigits() throws JsonException {
        if (!isDigit(peek())) {
            throw error("expected a digit");
        }
        digits();
    }

    private void digits() {
        while (isDigit(peek())) {
            pos++;
        }
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private Object literal(String word, Object v) throws JsonException {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected character");
        }
        pos += word.length();
        return v;
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private void expect(char c) throws JsonException {
        if (next() != c) {
            throw error("expected '" + c + "'");
        }
    }

    private int peek() {
        return pos < text.length() ? text.charAt(pos) : -1;
    }

    private int next() {
        return pos < text.length() ? text.charAt(pos++) : -1;
    }

    private JsonException error(String what) {
        return new JsonException(what + " at offset " + pos);
    }

    // ------------------------------------------------------------------ writing

    /** A compact object with string, boolean and integer values, in the map's order. */
    public static String write(Map<String, ?> object) {
        StringBuilder s = new StringBuilder("{");
        for (Map.Entry<String, ?> e : object.entrySet()) {
            if (s.length() > 1) {
                s.append(',');
            }
            quote(s, e.getKey());
            s.append(':');
            switch (e.getValue()) {
                case String v -> quote(s, v);
                case Boolean v -> s.append(v);
                case Long v -> s.append(v);
                case Integer v -> s.append(v);
                default -> throw new IllegalArgumentException("cannot write " + e.getValue());
            }
        }
        return s.append('}').toString();
    }

    private static void quote(StringBuilder s, String v) {
        s.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        s.append(String.format("\\u%04x", (int) c));
                    } else {
                        s.append(c);
                    }
                }
            }
        }
        s.append('"');
    }
}
