package io.kfrelay.cluster;

import io.kfrelay.transport.RoomPlacement;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec: an edge's cluster credential verifies under the cluster's key, for its room, until it expires; nothing else. */
class EdgeCredentialsTest {
    private static final String KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private final AtomicLong wall = new AtomicLong(1_800_000_000_000L);
    private final EdgeCredentials credentials = new EdgeCredentials(KEY, wall::get);

    @Test
    void aCredentialNamesItsNodeAndEpoch() {
        String token = credentials.issue("stage", "node.b", 7);
        assertTrue(EdgeCredentials.isCredential(token));
        assertEquals(new RoomPlacement.EdgeJoin("node.b", 7), credentials.verify("stage", token));
    }

    @Test
    void itDoesNotVerifyForAnotherRoomAnotherKeyOrOnceExpired() {
        String token = credentials.issue("stage", "b", 7);
        assertInstanceOf(RoomPlacement.InvalidCredential.class, credentials.verify("other", token));
        EdgeCredentials otherCluster = new EdgeCredentials("AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", wall::get);
        assertInstanceOf(RoomPlacement.InvalidCredential.class, otherCluster.verify("stage", token));
        String raised = token.replace(".7.", ".8.");
        assertInstanceOf(RoomPlacement.InvalidCredential.class, credentials.verify("stage", raised),
                "the epoch is under the MAC");
        wall.addAndGet(EdgeCredentials.LIFETIME.toMillis() + 1);
        assertInstanceOf(RoomPlacement.InvalidCredential.class, credentials.verify("stage", token));
    }

    @Test
    void malformedCredentialsAreRefusedNotThrown() {
        for (String bad : new String[]{"kfrelay-edge.v1.", "kfrelay-edge.v1.a.b.c.d", "kfrelay-edge.v1.YQ.1.2",
                "kfrelay-edge.v1.!!.1.2.3"}) {
            assertInstanceOf(RoomPlacement.InvalidCredential.class, credentials.verify("stage", bad), bad);
        }
        assertFalse(EdgeCredentials.isCredential("eyJhbGciOiJIUzI1NiJ9.e30.sig"), "a JWT is a user token");
    }
}
