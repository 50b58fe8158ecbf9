package io.kfrelay.admin;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** What an admin request asks for, parsed from its method and path. */
sealed interface AdminRoute {

    /** Liveness: the process runs. */
    record Health() implements AdminRoute {
    }

    /** Readiness: the relay takes new joins (false while draining or stopping). */
    record Ready() implements AdminRoute {
    }

    /**
     * @param accept the request's {@code Accept} header (null without one): OpenMetrics if it asks for
     *               {@code application/openmetrics-text}, else the Prometheus text format
     */
    record Metrics(String accept) implements AdminRoute {
    }

    record Rooms() implements AdminRoute {
    }

    /** The relay-wide figures the live page charts ({@code /api/stats}). */
    record Stats() implements AdminRoute {
    }

    record Room(String name) implements AdminRoute {
    }

    record Kick(String room, int participantId) implements AdminRoute {
    }

    /**
     * POST starts draining; GET tells whether the relay is. {@code deadline}: the query's {@code ?deadline=30s}
     * (cluster nodes), or null.
     */
    record Drain(boolean start, String deadline) implements AdminRoute {
    }

    /** Where a client should go for a room (cluster mode); {@code room} null when the query has none. */
    record ClusterLookup(String room) implements AdminRoute {
    }

    /** The cluster's registered nodes (cluster mode). */
    record ClusterNodes() implements AdminRoute {
    }

    record NotFound(String path) implements AdminRoute {
    }

    record MethodNotAllowed(String allowed) implements AdminRoute {
    }

    /** Whether the route needs the admin token (when one is configured): everything but probes and metrics. */
    default boolean needsToken() {
        return !(this instanceof Health || this instanceof Ready || this instanceof Metrics);
    }

    static AdminRoute of(HttpMethod method, String uri) {
        String raw = uri;
        int q = raw.indexOf('?');
        if (q >= 0) {
            raw = raw.substring(0, q);
        }
        List<String> path = segments(raw);
        boolean get = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
        boolean post = method.equals(HttpMethod.POST);
        return switch (path.size()) {
            case 1 -> switch (path.get(0)) {
                case "healthz" -> get ? new Health() : new MethodNotAllowed("GET");
                case "readyz" -> get ? new Ready() : new MethodNotAllowed("GET");
                case "metrics" -> get ? new Metrics(null) : new MethodNotAllowed("GET");
                default -> new NotFound(raw);
            };
            case 2 -> switch (path.get(0) + "/" + path.get(1)) {
                case "api/rooms" -> get ? new Rooms() : new MethodNotAllowed("GET");
                case "api/stats" -> get ? new Stats() : new MethodNotAllowed("GET");
                case "api/drain" -> post ? new Drain(true, queryParameter(uri, "deadline"))
                        : get ? new Drain(false, null) : new MethodNotAllowed("GET, POST");
                default -> new NotFound(raw);
            };
            case 3 -> {
                if (path.get(0).equals("api") && path.get(1).equals("rooms")) {
                    yield get ? new Room(path.get(2)) : new MethodNotAllowed("GET");
                }
                if (path.get(0).equals("api") && path.get(1).equals("cluster")) {
                    yield switch (path.get(2)) {
                        case "lookup" -> get ? new ClusterLookup(queryParameter(uri, "room"))
                                : new MethodNotAllowed("GET");
                        case "nodes" -> get ? new ClusterNodes() : new MethodNotAllowed("GET");
                        default -> new NotFound(raw);
                    };
                }
                yield new NotFound(raw);
            }
            case 6 -> {
                if (path.get(0).equals("api") && path.get(1).equals("rooms") && path.get(3).equals("participants")
                        && path.get(5).equals("kick")) {
                    Integer id = participantId(path.get(4));
                    if (id == null) {
                        yield new NotFound(raw);
                    }
                    yield post ? new Kick(path.get(2), id) : new MethodNotAllowed("POST");
                }
                yield new NotFound(raw);
            }
            default -> new NotFound(raw);
        };
    }

    /** The first value of a query parameter, or null. */
    private static String queryParameter(String uri, String name) {
        List<String> values = new QueryStringDecoder(uri, StandardCharsets.UTF_8).parameters().get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** The path's segments, each percent-decoded (a room name may hold a '/', sent as %2F). */
    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                // In a path '+' is a plus, not the space it means in a query string.
                out.add(QueryStringDecoder.decodeComponent(s.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static Integer participantId(String s) {
        try {
            int id = Integer.parseInt(s);
            return id > 0 ? id : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
