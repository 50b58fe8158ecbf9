package io.kfrelay.security;

import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.room.Grants;
import io.kfrelay.server.SecurityConfig;

import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/**
 * Decides a JOIN from its room, identity and token, the same way for every transport: the token (if the relay
 * has a secret), then the room's allow-list. Thread-safe and allocation-light; called once per JOIN.
 */
public final class JoinAuthorizer {

    /** How the relay treats tokens. */
    public enum Mode {
        /** No secret: tokens are not checked, everyone gets every grant (development only). */
        OPEN,
        /** A secret but tokens not required: a JOIN without a token gets every grant, one with a token must pass it. */
        TOKENS_OPTIONAL,
        /** Every JOIN needs a valid token. */
        TOKENS_REQUIRED
    }

    private final JoinTokens tokens;
    private final Mode mode;
    private final RoomAcl acl;
    private final LongSupplier epochSeconds;

    /** {@code epochSeconds} is the clock token expiry is judged by (tests pass their own). */
    public JoinAuthorizer(SecurityConfig config, LongSupplier epochSeconds) {
        this.tokens = config.tokensEnabled() ? new JoinTokens(config.authSecret().getBytes(StandardCharsets.UTF_8)) : null;
        this.mode = !config.tokensEnabled() ? Mode.OPEN : config.requireAuth() ? Mode.TOKENS_REQUIRED : Mode.TOKENS_OPTIONAL;
        this.acl = config.roomAcl();
        this.epochSeconds = epochSeconds;
    }

    public JoinAuthorizer(SecurityConfig config) {
        this(config, () -> System.currentTimeMillis() / 1000);
    }

    public Mode mode() {
        return mode;
    }

    public JoinDecision authorize(String room, String identity, String token) {
        Grants grants;
        if (mode == Mode.OPEN || (token.isEmpty() && mode == Mode.TOKENS_OPTIONAL)) {
            grants = Grants.ALL;
        } else if (token.isEmpty()) {
            return new JoinDecision.Refuse(ErrorCodes.TOKEN_REQUIRED, "this relay requires a join token");
        } else {
            switch (tokens.check(token, epochSeconds.getAsLong())) {
                case TokenCheck.Invalid(int code, String reason) -> {
                    return new JoinDecision.Refuse(code, reason);
                }
                case TokenCheck.Valid(JoinToken t) -> {
                    if (!t.identity().equals(identity)) {
                        return new JoinDecision.Refuse(ErrorCodes.TOKEN_WRONG_IDENTITY,
                                "the token was issued to another identity");
                    }
                    if (!t.grantsRoom(room)) {
                        return new JoinDecision.Refuse(ErrorCodes.TOKEN_WRONG_ROOM,
                                "the token does not grant room '" + room + "'");
                    }
                    if (t.grants().none()) {
                        return new JoinDecision.Refuse(ErrorCodes.GRANT_MISSING,
                                "the token grants neither canPublish nor canSubscribe");
                    }
                    grants = t.grants();
                }
            }
        }
        if (!acl.admits(room, identity)) {
            return new JoinDecision.Refuse(ErrorCodes.NOT_ON_ROOM_ACL,
                    "identity '" + identity + "' is not on the allow-list of room '" + room + "'");
        }
        return new JoinDecision.Admit(grants);
    }
}
