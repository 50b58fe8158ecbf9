package io.kfrelay.security;

import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.room.Grants;
import io.kfrelay.server.SecurityConfig;

import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/**
 * Decides a JOIN from its room, identity and token, the same way for every transport: the token (if the relay
 * has a secret), then the room's allow-list. Thread-safe and allocation-light; called once per JOIN.
 *
 * <p>The rule that holds in every mode: an admitted JOIN without a token never has a grant that a valid token
 * for the same room and identity would not give (docs/SECURITY.md, "What a JOIN without a token may do"). Without
 * a secret nothing can be proven, so everyone gets everything (and the relay listens on loopback unless told
 * otherwise). With a secret but tokens optional, a tokenless JOIN is a stranger: it may watch ({@link #TOKENLESS}),
 * not publish, and not enter a room with an allow-list, whose identities it cannot prove; a token adds its grants
 * to that, so presenting one never loses what leaving it out would give. A token that is presented is always
 * checked: a bad one is refused with its code, never quietly treated as no token.
 */
public final class JoinAuthorizer implements AutoCloseable {

    /** What a JOIN without a token may do when the relay has a secret but does not require tokens: watch. */
    public static final Grants TOKENLESS = new Grants(false, true);

    /** How the relay treats tokens. */
    public enum Mode {
        /** No key at all (no secret, public key or JWKS): tokens are not checked, everyone gets every grant (development only, loopback by default). */
        OPEN,
        /**
         * Keys (a secret, public keys or a JWKS) but tokens not required: a JOIN without a token may only watch ({@link #TOKENLESS}) rooms without
         * an allow-list; one with a token must pass it and gets its grants on top of that.
         */
        TOKENS_OPTIONAL,
        /** Every JOIN needs a valid token, and gets exactly its grants. */
        TOKENS_REQUIRED
    }

    private final JoinTokens tokens;
    private final Mode mode;
    private final RoomAcl acl;
    private final LongSupplier epochSeconds;

    /**
     * {@code epochSeconds} is the clock token expiry is judged by (tests pass their own). Reads the configured public
     * keys and starts watching the JWKS, if any ({@link #close} stops it).
     *
     * @throws IllegalArgumentException if a key file or the JWKS cannot be read or holds no usable key
     */
    public JoinAuthorizer(SecurityConfig config, LongSupplier epochSeconds) {
        this.tokens = config.tokensEnabled() ? new JoinTokens(TokenKeys.configured(
                config.authSecret() == null ? null : config.authSecret().getBytes(StandardCharsets.UTF_8),
                config.authPublicKeys(), config.authJwks(), config.authJwksRefresh()),
                config.authClockSkew().toSeconds()) : null;
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

    /** The keys tokens are checked with; null in open mode. */
    public TokenKeys keys() {
        return tokens == null ? null : tokens.keys();
    }

    /** Stops watching the JWKS, if any. */
    @Override
    public void close() {
        if (tokens != null) {
            tokens.keys().close();
        }
    }

    public JoinDecision authorize(String room, String identity, String token) {
        if (mode == Mode.OPEN) {
            return admitIfListed(room, identity, Grants.ALL); // nothing is checked: the identity is only a claim
        }
        if (token.isEmpty()) {
            if (mode == Mode.TOKENS_REQUIRED) {
                return new JoinDecision.Refuse(ErrorCodes.TOKEN_REQUIRED, "this relay requires a join token");
            }
            if (acl.lists(room)) {
                return new JoinDecision.Refuse(ErrorCodes.TOKEN_REQUIRED,
                        "room '" + room + "' has an allow-list: joining it takes a join token");
            }
            return new JoinDecision.Admit(TOKENLESS);
        }
        Grants grants;
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
                grants = mode == Mode.TOKENS_OPTIONAL ? atLeastTokenless(t.grants()) : t.grants();
            }
        }
        return admitIfListed(room, identity, grants);
    }

    /** A token's grants in the optional mode: never less than a JOIN without a token would get. */
    private static Grants atLeastTokenless(Grants g) {
        return new Grants(g.canPublish() || TOKENLESS.canPublish(), g.canSubscribe() || TOKENLESS.canSubscribe());
    }

    private JoinDecision admitIfListed(String room, String identity, Grants grants) {
        if (!acl.admits(room, identity)) {
            return new JoinDecision.Refuse(ErrorCodes.NOT_ON_ROOM_ACL,
                    "identity '" + identity + "' is not on the allow-list of room '" + room + "'");
        }
        return new JoinDecision.Admit(grants);
    }
}
