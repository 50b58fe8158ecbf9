package io.kfrelay.web;

import io.kfrelay.client.ClientListener;
import io.kfrelay.client.KfRelayClient;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.server.RelayServer;
import io.kfrelay.server.ServerConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: the WebSocket port serves the browser client's files (here the test bundle {@code web-test/}) to plain GET
 * and HEAD requests, with their types and the security headers, refuses everything else, and still upgrades
 * WebSockets on the relay's path and on "/", on fresh connections and on ones that fetched pages first.
 */
@Timeout(30)
class WebAppIT {
    private static RelayServer relay;
    private static int port;

    @BeforeAll
    static void start() throws IOException {
        relay = new RelayServer(ServerConfig.builder().wsListen("127.0.0.1", 0).eventLoopThreads(1).webRoot("web-test")
                .build(), RelayConfig.defaults()).start();
        port = relay.wsPort();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static byte[] bundled(String name) throws IOException {
        try (InputStream in = WebAppIT.class.getClassLoader().getResourceAsStream("web-test/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    private static void assertSecurityHeaders(RawHttp.Response r) {
        String csp = r.header("Content-Security-Policy");
        assertNotNull(csp, "every answer carries the policy");
        for (String directive : List.of("default-src 'none'", "script-src 'self'", "style-src 'self'",
                "connect-src 'self' ws://127.0.0.1:" + port + " wss://127.0.0.1:" + port, "base-uri 'none'",
                "frame-ancestors 'none'")) {
            assertTrue(csp.contains(directive), directive + " in " + csp);
        }
        assertFalse(csp.contains("unsafe-inline") || csp.contains("unsafe-eval"), csp);
        assertEquals("nosniff", r.header("X-Content-Type-Options"));
        assertEquals("no-referrer", r.header("Referrer-Policy"));
        assertEquals("same-origin", r.header("Cross-Origin-Opener-Policy"));
    }

    @Test
    void pagesAndAssetsAreServedWithTheirTypesLengthsAndSecurityHeaders() throws IOException {
        Map<String, String[]> expected = Map.of(
                "/", new String[] {"index.html", "text/html; charset=utf-8"},
                "/?room=stage&token=abc", new String[] {"index.html", "text/html; charset=utf-8"},
                "/room", new String[] {"room.html", "text/html; charset=utf-8"},
                "/room.html", new String[] {"room.html", "text/html; charset=utf-8"},
                "/js/app.js", new String[] {"js/app.js", "text/javascript; charset=utf-8"},
                "/css/app.css", new String[] {"css/app.css", "text/css; charset=utf-8"},
                "/img/logo.svg", new String[] {"img/logo.svg", "image/svg+xml"},
                "/config.json", new String[] {"config.json", "application/json"});
        try (RawHttp http = new RawHttp(port)) { // one keep-alive connection for all of them
            for (Map.Entry<String, String[]> e : expected.entrySet()) {
                RawHttp.Response r = http.get(e.getKey());
                assertEquals(200, r.status(), e.getKey());
                assertArrayEquals(bundled(e.getValue()[0]), r.body(), e.getKey());
                assertEquals(e.getValue()[1], r.header("Content-Type"), e.getKey());
                assertEquals(String.valueOf(r.body().length), r.header("Content-Length"));
                assertEquals("no-cache", r.header("Cache-Control"), "revalidated every time: files change with the relay");
                assertNotNull(r.header("ETag"));
                assertSecurityHeaders(r);
            }
        }
    }

    @Test
    void headAnswersTheSameHeadersWithoutABody() throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            RawHttp.Response get = http.get("/js/app.js");
            RawHttp.Response head = http.request("HEAD", "/js/app.js");
            assertEquals(200, head.status());
            assertEquals(get.header("Content-Length"), head.header("Content-Length"));
            assertEquals(get.header("ETag"), head.header("ETag"));
            assertEquals(get.header("Content-Type"), head.header("Content-Type"));
            // The connection is still in step: had HEAD sent a body, this would read it as a status line.
            assertEquals(200, http.get("/css/app.css").status());
            assertEquals(404, http.request("HEAD", "/nothing").status());
            assertEquals(200, http.get("/").status());
        }
    }

    @Test
    void aMatchingIfNoneMatchIsA304WithoutBody() throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            String etag = http.get("/").header("ETag");
            for (String condition : List.of(etag, "W/" + etag, "\"other\", " + etag, "*")) {
                RawHttp.Response r = http.get("/", "If-None-Match: " + condition);
                assertEquals(304, r.status(), condition);
                assertEquals(etag, r.header("ETag"));
                assertEquals(0, r.body().length);
            }
            assertEquals(200, http.get("/", "If-None-Match: \"other\"").status());
            assertEquals(200, http.get("/room", "If-None-Match: " + etag).status(), "another file, another tag");
        }
    }

    @Test
    void whatIsNotBundledIs404AndOtherMethodsAre405() throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            for (String target : List.of("/nothing", "/lobby", "/js/", "/js", "/notes.xyz", "/web-test/index.html",
                    "/io/kfrelay/web/WebAppIT.class")) {
                RawHttp.Response r = http.get(target);
                assertEquals(404, r.status(), target);
                assertEquals("text/plain; charset=utf-8", r.header("Content-Type"));
                assertSecurityHeaders(r);
            }
            RawHttp.Response post = http.request("POST", "/", "Content-Length: 0");
            assertEquals(405, post.status());
            assertEquals("GET, HEAD", post.header("Allow"));
            assertEquals(405, http.request("DELETE", "/js/app.js").status());
            assertEquals(405, http.request("PUT", "/nothing", "Content-Length: 0").status());
        }
    }

    @Test
    void traversalAttemptsAreRefusedInEveryEncoding() throws IOException {
        for (String target : List.of("/../web-test-secret.txt", "/js/../../web-test-secret.txt",
                "/%2e%2e/web-test-secret.txt", "/%2E%2E/web-test-secret.txt", "/..%2fweb-test-secret.txt",
                "/%2e%2e%2fweb-test-secret.txt", "/..%5cweb-test-secret.txt", "/..\\web-test-secret.txt",
                "/%252e%252e/web-test-secret.txt", "/%c0%ae%c0%ae/web-test-secret.txt", "//web-test-secret.txt",
                "/./../web-test-secret.txt", "/js/%2e%2e/%2e%2e/web-test-secret.txt",
                "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/%00", "/index.html%00",
                "http://127.0.0.1/../web-test-secret.txt")) {
            try (RawHttp http = new RawHttp(port)) {
                RawHttp.Response r = http.get(target);
                assertTrue(r.status() == 404 || r.status() == 400, target + ": " + r.status());
                assertFalse(r.text().contains("SECRET"), target);
            }
        }
    }

    @Test
    void aConnectionThatFetchedPagesCanThenUpgradeAndSpeakTheProtocol() throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            assertEquals(200, http.get("/").status());
            assertEquals(200, http.get("/js/app.js").status());
            RawHttp.Response upgrade = http.get("/kfrelay", "Upgrade: websocket", "Connection: Upgrade",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13");
            assertEquals(101, upgrade.status());
            assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", upgrade.header("Sec-WebSocket-Accept"));
            http.write(maskedBinaryFrame(new ControlMessage.Ping(42)));
            assertEquals(new ControlMessage.Pong(42), readControlFrame(http.input()));
        }
    }

    @Test
    void theJavaClientStillConnectsThroughTheRootAndThePath() throws Exception {
        for (String url : List.of("ws://127.0.0.1:" + port, "ws://127.0.0.1:" + port + "/kfrelay")) {
            try (KfRelayClient c = KfRelayClient.connect(URI.create(url), new ClientListener() { })
                    .get(5, TimeUnit.SECONDS)) {
                assertTrue(c.join("web-app-it", "client", "").get(5, TimeUnit.SECONDS).participantId() > 0, url);
            }
        }
    }

    @Test
    void theRelaysPathWithoutAnUpgradeStillAsksForOne() throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            RawHttp.Response r = http.get("/kfrelay");
            assertEquals(426, r.status());
            assertTrue(http.closedByServer());
        }
    }

    @Test
    void withoutTheWebAppTheRootOnlyUpgradesAsBefore() throws IOException {
        RelayServer plain = new RelayServer(ServerConfig.builder().wsListen("127.0.0.1", 0).eventLoopThreads(1)
                .webRoot(null).build(), RelayConfig.defaults()).start();
        try (RawHttp http = new RawHttp(plain.wsPort())) {
            assertNull(plain.webUrl());
            RawHttp.Response r = http.get("/");
            assertEquals(426, r.status());
            assertTrue(r.text().contains("kfrelay speaks WebSocket"), r.text());
        } finally {
            plain.close();
        }
    }

    @Test
    void theRelayKnowsItsPageUrl() {
        assertEquals("http://127.0.0.1:" + port + "/", relay.webUrl());
        assertEquals("ws://127.0.0.1:" + port + "/kfrelay", relay.wsUrl());
    }

    /** A client frame: FIN + binary, masked (RFC 6455 §5.3), payload under 126 bytes. */
    static byte[] maskedBinaryFrame(ControlMessage message) {
        ByteBuf encoded = ControlCodec.encode(message, UnpooledByteBufAllocator.DEFAULT);
        byte[] payload = ByteBufUtil.getBytes(encoded);
        encoded.release();
        byte[] mask = {0x12, 0x34, 0x56, 0x78};
        byte[] frame = new byte[2 + 4 + payload.length];
        frame[0] = (byte) 0x82;
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
        }
        return frame;
    }

    /** A server frame (unmasked, binary, under 126 bytes) decoded as a control message. */
    static ControlMessage readControlFrame(InputStream in) throws IOException {
        byte[] head = in.readNBytes(2);
        assertEquals((byte) 0x82, head[0]);
        byte[] payload = in.readNBytes(head[1] & 0x7F);
        ControlCodec.Decoded d = ControlCodec.decode(Unpooled.wrappedBuffer(payload));
        return ((ControlCodec.Decoded.Ok) d).message();
    }
}
