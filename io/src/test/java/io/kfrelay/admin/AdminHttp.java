package io.kfrelay.admin;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A test's HTTP client for one relay's admin server, on loopback, every call bounded in time. */
final class AdminHttp {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final URI base;
    private final String token;

    AdminHttp(InetSocketAddress admin, String token) {
        this.base = URI.create("http://127.0.0.1:" + admin.getPort());
        this.token = token;
    }

    /** The same server, presenting another token (or none). */
    AdminHttp withToken(String other) {
        return new AdminHttp(new InetSocketAddress("127.0.0.1", base.getPort()), other);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path).GET());
    }

    /** A GET with extra headers, name, value pairs (e.g. an Accept header). */
    HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        return send(request(path).headers(headers).GET());
    }

    HttpResponse<String> post(String path) throws IOException, InterruptedException {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()));
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
