package io.kfrelay.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Spec: a request target names a bundled file by its path below the root, or is refused. */
class RequestPathTest {

    @Test
    void originFormTargetsNameFilesBelowTheRoot() {
        assertEquals("", RequestPath.relative("/"));
        assertEquals("", RequestPath.relative("/?room=a&token=x"));
        assertEquals("room", RequestPath.relative("/room?room=stage#top"));
        assertEquals("js/app.js", RequestPath.relative("/js/app.js"));
        assertEquals("js/app.js", RequestPath.relative("/js%2Fapp.js"), "an encoded '/' is a '/' like any other");
        assertEquals("a b+c.html", RequestPath.relative("/a%20b+c.html"), "'+' is a plus in a path");
        assertEquals("caf\u00e9.html", RequestPath.relative("/caf%C3%A9.html"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/../web-test-secret.txt", "/js/../../web-test-secret.txt", "/..", "/./index.html", "/js/.",
            "/%2e%2e/web-test-secret.txt", "/%2E%2E/web-test-secret.txt", "/.%2e/web-test-secret.txt",
            "/..%2fweb-test-secret.txt", "/%2e%2e%2fweb-test-secret.txt", "/js/%2e%2e%2f%2e%2e%2fweb-test-secret.txt",
            "/..\\web-test-secret.txt", "/%5c..%5cweb-test-secret.txt", "/js\\app.js",
            "//etc/passwd", "/js//app.js", "/js/", "/%2F%2Fetc%2Fpasswd", "/%00index.html", "/index.html%00.js",
            "/C:/Windows/win.ini", "/C%3A%5CWindows", "/%0d%0aSet-Cookie:x",
            "/%", "/%2", "/%zz", "/%c0%ae%c0%ae/web-test-secret.txt", "/%ff",
            "http://example.com/index.html", "index.html", "*", ""})
    void traversalAndMalformedTargetsAreRefused(String target) {
        assertNull(RequestPath.relative(target), target);
    }

    @Test
    void doubleEncodingStaysLiteral() {
        // %252e decodes once, to the three characters "%2e": a file name nobody bundles, not a dot segment.
        assertEquals("%2e%2e/web-test-secret.txt", RequestPath.relative("/%252e%252e/web-test-secret.txt"));
    }

    @Test
    void overlongTargetsAreRefused() {
        assertNull(RequestPath.relative("/" + "a".repeat(RequestPath.MAX_LENGTH)));
    }
}
