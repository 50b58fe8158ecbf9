package io.kfrelay.perf.os;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The relay's Prometheus endpoint, if it has one ({@code --admin-listen}, added separately). Every read is
 * optional: a relay without it, or one that does not answer within a second, just yields nothing.
 */
public final class MetricsEndpoint {
    private final URI url;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    public MetricsEndpoint(URI url) {
        this.url = url;
    }

    public URI url() {
        return url;
    }

    /** Metric name to value (summed over labels), or empty if the endpoint did not answer 200. */
    public Optional<Map<String, Double>> scrape() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(1)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(PromText.parse(r.body())) : Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
