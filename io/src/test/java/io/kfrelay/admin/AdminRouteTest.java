package io.kfrelay.admin;

import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec: which admin endpoint a method and path name, and which of them need the token. */
class AdminRouteTest {

    private static AdminRoute get(String uri) {
        return AdminRoute.of(HttpMethod.GET, uri);
    }

    private static AdminRoute post(String uri) {
        return AdminRoute.of(HttpMethod.POST, uri);
    }

    @Test
    void probesAndMetricsNeedNoToken() {
        assertFalse(get("/healthz").needsToken());
        assertFalse(get("/readyz").needsToken());
        assertFalse(get("/metrics?name[]=x").needsToken());
        assertTrue(get("/api/rooms").needsToken());
        assertTrue(post("/api/drain").needsToken());
        assertTrue(get("/nothing-here").needsToken(), "unknown paths say nothing to strangers either");
    }

    @Test
    void roomNamesArePercentDecodedSegmentBySegment() {
        assertEquals(new AdminRoute.Room("team a/b+c"), get("/api/rooms/team%20a%2Fb+c"));
        assertEquals(new AdminRoute.Kick("stage", 42), post("/api/rooms/stage/participants/42/kick"));
        assertEquals(new AdminRoute.Drain(true, null), post("/api/drain"));
        assertEquals(new AdminRoute.Drain(true, "10s"), post("/api/drain?deadline=10s"));
        assertEquals(new AdminRoute.Drain(false, null), get("/api/drain"));
    }

    @Test
    void wrongMethodsAndPathsAreNamed() {
        assertInstanceOf(AdminRoute.MethodNotAllowed.class, get("/api/rooms/stage/participants/42/kick"));
        assertInstanceOf(AdminRoute.MethodNotAllowed.class, post("/metrics"));
        assertInstanceOf(AdminRoute.NotFound.class, post("/api/rooms/stage/participants/x/kick"));
        assertInstanceOf(AdminRoute.NotFound.class, post("/api/rooms/stage/participants/-1/kick"));
        assertInstanceOf(AdminRoute.NotFound.class, get("/"));
    }
}
