package io.kfrelay.web;

import java.util.Locale;
import java.util.Map;

/**
 * The Content-Type of a bundled file, by its extension. Only these kinds are served at all: with
 * {@code X-Content-Type-Options: nosniff} a browser trusts the declared type, so a file whose type is unknown is
 * left out of the index rather than sent as something it may not be.
 */
final class MediaTypes {
    private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("wasm", "application/wasm"),
            Map.entry("woff2", "font/woff2"));

    private MediaTypes() {
    }

    /** The type of a file so named, or null when it is not a kind the server sends. */
    static String of(String name) {
        int dot = name.lastIndexOf('.');
        int slash = name.lastIndexOf('/');
        if (dot <= slash + 1) {
            return null; // no extension, or a dot file
        }
        return BY_EXTENSION.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
