package io.kfrelay.security;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys join tokens are checked with, and the rule that picks one for a token (docs/SECURITY.md, "Keys"):
 *
 * <ul>
 *   <li>a token <b>with a {@code kid}</b> is checked with the public key of that kid: one of the
 *       {@code --auth-public-key} files, else the current {@code --auth-jwks} set. No such key: refused
 *       (TOKEN_UNKNOWN_KEY). If the relay has no public keys configured at all, the HS256 secret answers to every
 *       token, kid or not, as it did before public keys existed;
 *   <li>a token <b>without a {@code kid}</b> is checked with the HS256 secret ({@code --auth-secret}); without one,
 *       it is refused (TOKEN_UNKNOWN_KEY): public keys are only ever chosen by kid.
 * </ul>
 *
 * The key then decides the algorithm ({@link TokenKey}). Thread-safe; lookups allocate nothing.
 */
public final class TokenKeys implements AutoCloseable {
    private final TokenKey secret;
    private final Map<String, TokenKey> fixed;
    private final JwksSource jwks;

    private TokenKeys(TokenKey secret, Map<String, TokenKey> fixed, JwksSource jwks) {
        this.secret = secret;
        this.fixed = fixed;
        this.jwks = jwks;
    }

    /** The HS256 secret alone (what the relay had before public keys). */
    public static TokenKeys ofSecret(byte[] secret) {
        return new TokenKeys(TokenKey.hs256(secret), Map.of(), null);
    }

    /** A secret (or null) and public keys already read (each with its kid): for embedders and tests. */
    public static TokenKeys of(byte[] secret, List<TokenKey> publicKeys) {
        Map<String, TokenKey> fixed = new LinkedHashMap<>();
        for (TokenKey k : publicKeys) {
            if (k.kid() == null || fixed.putIfAbsent(k.kid(), k) != null) {
                throw new IllegalArgumentException("every public key needs a kid of its own: " + k);
            }
        }
        return new TokenKeys(secret == null ? null : TokenKey.hs256(secret), Collections.unmodifiableMap(fixed), null);
    }

    /**
     * The keys the operator configured.
     *
     * @param secret       the HS256 secret, or null
     * @param publicKeys   {@code [KID=]FILE} each: a PEM public key whose kid is KID, or the file's name without its
     *                     extension
     * @param jwks         a JWKS file or URL, or null
     * @param jwksRefresh  how often a JWKS URL is fetched again
     * @throws IllegalArgumentException if a key cannot be read or is not of a token key type, or two have one kid
     */
    public static TokenKeys configured(byte[] secret, List<String> publicKeys, String jwks, Duration jwksRefresh) {
        Map<String, TokenKey> fixed = new LinkedHashMap<>();
        for (String spec : publicKeys) {
            int eq = spec.indexOf('=');
            Path file = Path.of(eq < 0 ? spec : spec.substring(eq + 1));
            String kid = eq < 0 ? defaultKid(file) : spec.substring(0, eq);
            if (kid.isEmpty()) {
                throw new IllegalArgumentException("auth-public-key " + spec + ": empty kid");
            }
            TokenKey key = TokenKey.of(kid, PemKeys.readPublic(file), file.toString());
            if (fixed.putIfAbsent(kid, key) != null) {
                throw new IllegalArgumentException("auth-public-key: two keys with kid '" + kid
                        + "' (name one with KID=FILE)");
            }
        }
        TokenKey hs = secret == null ? null : TokenKey.hs256(secret);
        JwksSource source = jwks == null ? null : new JwksSource(jwks, jwksRefresh);
        return new TokenKeys(hs, Collections.unmodifiableMap(fixed), source);
    }

    /** A PEM file's default kid: its name without the last extension ({@code backend-1.pem} → {@code backend-1}). */
    static String defaultKid(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** The key for a token whose header has {@code kid} (null: none), or null if there is none to check it with. */
    public TokenKey find(String kid) {
        if (kid == null) {
            return secret;
        }
        if (!hasPublicKeys()) {
            return secret;
        }
        TokenKey key = fixed.get(kid);
        if (key == null && jwks != null) {
            key = jwks.keys().get(kid);
            if (key == null) {
                jwks.unknownKid();
            }
        }
        return key;
    }

    /** Whether any public key source is configured (PEM files or a JWKS), whatever it holds now. */
    public boolean hasPublicKeys() {
        return !fixed.isEmpty() || jwks != null;
    }

    /** The HS256 secret's key, or null. */
    public TokenKey secret() {
        return secret;
    }

    /** The public keys in force now, by kid (the PEM files', then the JWKS's). */
    public Map<String, TokenKey> publicKeys() {
        Map<String, TokenKey> all = new LinkedHashMap<>(fixed);
        if (jwks != null) {
            jwks.keys().forEach(all::putIfAbsent);
        }
        return all;
    }

    @Override
    public void close() {
        if (jwks != null) {
            jwks.close();
        }
    }
}
