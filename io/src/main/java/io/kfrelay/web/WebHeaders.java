package io.kfrelay.web;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;

import java.util.regex.Pattern;

/**
 * The security headers every page and every error of the relay's web servers carries (docs/SECURITY.md, "Browser
 * pages"). The Content-Security-Policy allows the page's own files and nothing else: no inline script or style, no
 * {@code eval}, no other origin, no framing; it may connect only to its own origin (and, on the WebSocket port, to
 * that same host and port over ws/wss). Referrer-Policy: join tokens may travel in a page's URL, and no request
 * may carry that URL elsewhere.
 */
public final class WebHeaders {
    /** What the Host header of a request for a page may be to appear in its policy: a name or address, a port. */
    private static final Pattern HOST = Pattern.compile("([A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}])(:[0-9]{1,5})?");

    private WebHeaders() {
    }

    /** The policy with {@code connectSrc} as its connect-src. */
    public static String contentSecurityPolicy(String connectSrc) {
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                + "media-src 'self' blob:; font-src 'self'; connect-src " + connectSrc + "; worker-src 'self'; "
                + "manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    /** For the admin page: it talks to its own origin only. */
    public static String sameOriginPolicy(HttpRequest request) {
        return contentSecurityPolicy("'self'");
    }

    /**
     * For the web app: its own origin, and the relay's WebSocket on the same host and port (spelled out because
     * browsers before CSP 3 do not count ws:// as 'self'). A Host header that is not a plain host[:port] gets
     * 'self' alone.
     */
    public static String webAppPolicy(HttpRequest request) {
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host == null || !HOST.matcher(host).matches()) {
            return contentSecurityPolicy("'self'");
        }
        return contentSecurityPolicy("'self' ws://" + host + " wss://" + host);
    }

    /** Adds the security headers, with {@code csp} as the policy. */
    public static void secure(HttpHeaders headers, String csp) {
        headers.set(HttpHeaderNames.CONTENT_SECURITY_POLICY, csp)
                .set("x-content-type-options", "nosniff")
                .set("referrer-policy", "no-referrer")
                .set("cross-origin-opener-policy", "same-origin")
                .set("cross-origin-resource-policy", "same-origin")
                .set(HttpHeaderNames.X_FRAME_OPTIONS, "DENY");
    }
}
