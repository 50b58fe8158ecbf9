package io.kfrelay.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.kfrelay.json.JsonSupport;
import io.kfrelay.telemetry.Exposition;

/** What the admin server answers: a status, a content type and a body. */
record AdminResponse(int status, String contentType, String body) {
    static final String JSON = "application/json; charset=utf-8";
    static final String TEXT = "text/plain; charset=utf-8";

    /** {@code value} as compact JSON (io.kfrelay.json.JsonSupport) and a newline. */
    static AdminResponse json(int status, JsonNode value) {
        return new AdminResponse(status, JSON, JsonSupport.write(value) + "\n");
    }

    static AdminResponse ok(JsonNode value) {
        return json(200, value);
    }

    static AdminResponse error(int status, String message) {
        return json(status, JsonSupport.object().put("error", message));
    }

    static AdminResponse text(int status, String body) {
        return new AdminResponse(status, TEXT, body);
    }

    /** A scrape, with the content type of the format it was written in (Prometheus text or OpenMetrics). */
    static AdminResponse metrics(Exposition exposition) {
        return new AdminResponse(200, exposition.contentType(), exposition.text());
    }
}
