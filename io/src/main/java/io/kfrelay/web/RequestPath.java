package io.kfrelay.web;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A request target reduced to the name of a bundled file, or refused. Files are only ever looked up by name in an
 * in-memory index, never on a file system, so no path can reach outside it; this check is the second wall, and
 * refuses outright what a traversal attempt looks like, in whatever encoding: {@code .} and {@code ..} segments
 * (also as {@code %2e}), backslashes, control characters, empty segments, anything not in origin form, malformed
 * percent-encoding.
 */
final class RequestPath {
    /** Longer than any bundled name: a longer target is not one of ours. */
    static final int MAX_LENGTH = 512;

    private RequestPath() {
    }

    /**
     * The file name a request target asks for, without the leading '/' ({@code ""} for the root), or null when the
     * target is refused.
     */
    static String relative(String target) {
        if (target == null || target.length() > MAX_LENGTH || !target.startsWith("/")) {
            return null; // absolute-form (http://...) and '*' are not for a static file
        }
        int end = target.length();
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        String decoded = decode(target.substring(1, end));
        if (decoded == null) {
            return null;
        }
        if (decoded.isEmpty()) {
            return "";
        }
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c < 0x20 || c == 0x7F || c == '\\' || c == ':') {
                return null;
            }
        }
        for (String segment : decoded.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return null; // "//", a trailing '/', and every dot segment
            }
        }
        return decoded;
    }

    /** Strict percent-decoding into UTF-8 ('+' stays a plus); null for a malformed escape or invalid UTF-8. */
    private static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    return null;
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                return null; // a request line is ASCII; anything else was not sent by a browser
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
