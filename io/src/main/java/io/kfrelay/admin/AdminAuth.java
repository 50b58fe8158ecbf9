package io.kfrelay.admin;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The admin token check: {@code Authorization: Bearer TOKEN}, compared in constant time. */
final class AdminAuth {
    private static final String BEARER = "Bearer ";

    private final byte[] token;

    /** {@code token} null: every request is allowed. */
    AdminAuth(String token) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.US_ASCII);
    }

    boolean permits(AdminRoute route, HttpRequest request) {
        if (token == null || !route.needsToken()) {
            return true;
        }
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] given = header.substring(BEARER.length()).trim().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(token, given);
    }
}
