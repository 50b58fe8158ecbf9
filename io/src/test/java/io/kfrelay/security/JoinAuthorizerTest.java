package io.kfrelay.security;

import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.room.Grants;
import io.kfrelay.server.SecurityConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: what a JOIN is answered in each mode: the token first (if any is checked), then the room's allow-list; and
 * in every mode a JOIN without a token gets no grant a valid token would not give.
 */
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
    void optionalTokensLetATokenlessJoinWatchButNotPublishAndStillCheckTokensThatAreGiven() {
        JoinAuthorizer optional = authorizer(SecurityConfig.builder().authSecret(SECRET));
        assertEquals(JoinAuthorizer.Mode.TOKENS_OPTIONAL, optional.mode());
        assertEquals(new JoinDecision.Admit(new Grants(false, true)), optional.authorize("lobby", "alice", ""),
                "a tokenless JOIN may watch, not publish");
        assertRefused(ErrorCodes.TOKEN_REQUIRED, optional.authorize("vip", "alice", ""),
                "a room with an allow-list needs a proven identity");
        assertRefused(ErrorCodes.TOKEN_MALFORMED, optional.authorize("lobby", "alice", "garbage"));
        assertRefused(ErrorCodes.TOKEN_WRONG_ROOM, optional.authorize("lobby", "alice", token("alice", "stage", Grants.ALL)),
                "a bad token is refused, never treated as no token");
        assertEquals(new JoinDecision.Admit(Grants.ALL),
                optional.authorize("lobby", "alice", token("alice", "lobby", new Grants(true, false))),
                "a publish-only token still may watch, as anyone may here");
        assertEquals(new JoinDecision.Admit(Grants.ALL), optional.authorize("vip", "alice", token("alice", "vip", Grants.ALL)));
        assertRefused(ErrorCodes.NOT_ON_ROOM_ACL, optional.authorize("vip", "mallory", token("mallory", "vip", Grants.ALL)));
    }

    /** The rule of issue 12: in no mode does leaving the token out get a JOIN a grant a valid token would not. */
    @Test
    void aJoinWithoutATokenNeverGetsMoreThanOneWithAValidToken() {
        List<Grants> tokenGrants = List.of(new Grants(true, false), new Grants(false, true), Grants.ALL);
        for (SecurityConfig.Builder config : List.of(SecurityConfig.builder(), SecurityConfig.builder().authSecret(SECRET),
                SecurityConfig.builder().authSecret(SECRET).requireAuth(true))) {
            JoinAuthorizer a = authorizer(config);
            for (String room : List.of("lobby", "vip")) {
                for (String identity : List.of("alice", "mallory")) {
                    JoinDecision without = a.authorize(room, identity, "");
                    for (Grants g : tokenGrants) {
                        JoinDecision with = a.authorize(room, identity, token(identity, room, g));
                        String what = a.mode() + ": " + identity + " in " + room + ", token " + g + ": without " + without
                                + ", with " + with;
                        if (without instanceof JoinDecision.Admit(Grants free)) {
                            JoinDecision.Admit admitted = assertInstanceOf(JoinDecision.Admit.class, with, what);
                            assertTrue((!free.canPublish() || admitted.grants().canPublish())
                                    && (!free.canSubscribe() || admitted.grants().canSubscribe()), what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void onlyTheOpenModeLetsATokenlessJoinPublish() {
        assertEquals(new JoinDecision.Admit(Grants.ALL), authorizer(SecurityConfig.builder()).authorize("lobby", "a", ""));
        JoinDecision optional = authorizer(SecurityConfig.builder().authSecret(SECRET)).authorize("lobby", "a", "");
        assertFalse(assertInstanceOf(JoinDecision.Admit.class, optional).grants().canPublish());
        assertInstanceOf(JoinDecision.Refuse.class,
                authorizer(SecurityConfig.builder().authSecret(SECRET).requireAuth(true)).authorize("lobby", "a", ""));
    }

    private static void assertRefused(int code, JoinDecision d) {
        assertRefused(code, d, "");
    }

    private static void assertRefused(int code, JoinDecision d, String why) {
        JoinDecision.Refuse r = assertInstanceOf(JoinDecision.Refuse.class, d, why);
        assertEquals(code, r.code(), () -> why + ": " + r.reason());
    }
}
