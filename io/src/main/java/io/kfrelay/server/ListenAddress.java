package io.kfrelay.server;

import java.util.Objects;

/**
 * Where a listener binds: a host name or IP literal and a TCP port (0 = any free port). Written
 * {@code HOST:PORT}, with IPv6 literals in brackets: {@code 0.0.0.0:8080}, {@code [::1]:8080}.
 */
public record ListenAddress(String host, int port) {

    public ListenAddress {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("listen host must not be empty");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("listen port must be 0..65535, was " + port);
        }
    }

    /** Parses {@code HOST:PORT} (IPv6 as {@code [ADDR]:PORT}); the message of the exception says what is wrong. */
    public static ListenAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException(usage(text));
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("IPv6 addresses need brackets: " + usage(text));
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(usage(text), e);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException(usage(text));
        }
        return new ListenAddress(host, port);
    }

    private static String usage(String text) {
        return "expected HOST:PORT such as 0.0.0.0:8080 or [::1]:8080, was '" + text + "'";
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
