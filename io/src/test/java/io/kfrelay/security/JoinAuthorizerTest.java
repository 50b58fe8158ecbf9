package io.kfrelay.security;

import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.room.Grants;
import io.kfrelay.server.SecurityConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Spec: what a JOIN is answered in each mode: the token first (if any is checked), then the room's allow-list. */
class JoinAuthorizerTest {
    private static final long NOW = 1_800_000_000L;
    private static final String SECRET = JoinTokensTest.SECRET;
    private static final JoinTokens TOKENS = new JoinTokens(SECRET.getBytes(StandardCharsets.UTF_8));
    private static final RoomAcl ACL = new RoomAcl(Map.of("vip", Set.of("alice", "carol")));

    private static JoinAuthorizer authorizer(SecurityConfig.Builder b) {
        return new JoinAuthorizer(b.roomAcl(ACL).build(), () -> NOW);
    }

    private static String token(String identity, String room, Grants grants) {
        return TOKENS.issue(new JoinToken(identity, room, grants, NOW + 60, 0), NOW);
    }

    @Test
    void openModeAdmitsEveryoneWithEveryGrantButStillAppliesTheAllowList() {
        JoinAuthorizer open = authorizer(SecurityConfig.builder());
        assertEquals(JoinAuthorizer.Mode.OPEN, open.mode());
        assertEquals(new JoinDecision.Admit(Grants.ALL), open.authorize("lobby", "anyone", ""));
        assertEquals(new JoinDecision.Admit(Grants.ALL), open.authorize("lobby", "anyone", "not even a token"));
        assertRefused(ErrorCodes.NOT_ON_ROOM_ACL, open.authorize("vip", "mallory", ""));
        assertEquals(new JoinDecision.Admit(Grants.ALL), open.authorize("vip", "carol", ""));
    }

    @Test
    void requiredTokensDecideIdentityRoomAndGrants() {
        JoinAuthorizer required = authorizer(SecurityConfig.builder().authSecret(SECRET).requireAuth(true));
        assertEquals(JoinAuthorizer.Mode.TOKENS_REQUIRED, required.mode());
        assertRefused(ErrorCodes.TOKEN_REQUIRED, required.authorize("lobby", "alice", ""));

        Grants subscribeOnly = new Grants(false, true);
        assertEquals(new JoinDecision.Admit(subscribeOnly),
                required.authorize("lobby", "alice", token("alice", "lobby", subscribeOnly)));
        assertRefused(ErrorCodes.TOKEN_WRONG_IDENTITY, required.authorize("lobby", "bob", token("alice", "lobby", Grants.ALL)));
        assertRefused(ErrorCodes.TOKEN_WRONG_ROOM, required.authorize("stage", "alice", token("alice", "lobby", Grants.ALL)));
        assertEquals(new JoinDecision.Admit(Grants.ALL),
                required.authorize("team-red", "alice", token("alice", "team-*", Grants.ALL)));
        assertRefused(ErrorCodes.GRANT_MISSING, required.authorize("lobby", "alice", token("alice", "lobby", new Grants(false, false))));
        assertRefused(ErrorCodes.TOKEN_MALFORMED, required.authorize("lobby", "alice", "garbage"));
    }

    @Test
    void aValidTokenDoesNotBypassTheAllowList() {
        JoinAuthorizer required = authorizer(SecurityConfig.builder().authSecret(SECRET).requireAuth(true));
        assertRefused(ErrorCodes.NOT_ON_ROOM_ACL, required.authorize("vip", "mallory", token("mallory", "*", Grants.ALL)));
        assertEquals(new JoinDecision.Admit(Grants.ALL), required.authorize("vip", "alice", token("alice", "*", Grants.ALL)));
    }

    @Test
    void optionalTokensLetTokenlessJoinsInButStillCheckTokensThatAreGiven() {
        JoinAuthorizer optional = authorizer(SecurityConfig.builder().authSecret(SECRET));
        assertEquals(JoinAuthorizer.Mode.TOKENS_OPTIONAL, optional.mode());
        assertEquals(new JoinDecision.Admit(Grants.ALL), optional.authorize("lobby", "alice", ""));
        assertRefused(ErrorCodes.TOKEN_MALFORMED, optional.authorize("lobby", "alice", "garbage"));
        assertEquals(new JoinDecision.Admit(new Grants(true, false)),
                optional.authorize("lobby", "alice", token("alice", "lobby", new Grants(true, false))));
    }

    private static void assertRefused(int code, JoinDecision d) {
        JoinDecision.Refuse r = org.junit.jupiter.api.Assertions.assertInstanceOf(JoinDecision.Refuse.class, d);
        assertEquals(code, r.code(), r::reason);
    }
}
