package io.kfrelay.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.text.ParseException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The public keys of a JWKS (RFC 7517) that the relay checks join tokens with, from a file or a URL, kept current:
 *
 * <ul>
 *   <li>a <b>file</b> is read at start (a file that cannot be read or parsed stops start-up), then its modification
 *       time and size are looked at every {@link #FILE_POLL} (or the refresh interval, if shorter) and it is read
 *       again when either changed;
 *   <li>a <b>URL</b> ({@code https://}, or {@code http://} to a loopback address only) is fetched at start and
 *       then every refresh interval, conditionally ({@code If-None-Match} with the last {@code ETag}); a
 *       {@code Cache-Control: max-age} shorter than the interval brings the next fetch forward (never below
 *       {@link #MIN_REFETCH}). A token naming an unknown {@code kid} brings it forward too, at most once per
 *       {@link #MIN_REFETCH}: a backend that starts signing with a new key is picked up without waiting.
 *       Redirects are not followed; connect and read are bounded ({@link #TIMEOUT}), and so is the body
 *       ({@link #MAX_BYTES}).
 * </ul>
 *
 * A set that cannot be fetched or parsed leaves the last good set in place; the failure is logged once (WARNING)
 * until a load succeeds again (INFO). A URL that is unreachable at start leaves the set empty until it answers.
 *
 * <p>Keys taken: EC on P-256 (ES256) and OKP Ed25519 (EdDSA), each with a {@code kid}, not marked {@code use: enc},
 * and whose {@code alg}, if given, is their own. Other keys are skipped and logged (RSA, symmetric {@code oct} keys,
 * which do not belong in a published set, other curves). Two keys with one {@code kid} make the set invalid. Only
 * the public part of a key is used. Lookups read one volatile field.
 */
final class JwksSource implements AutoCloseable {
    static final Duration FILE_POLL = Duration.ofSeconds(5);
    static final Duration MIN_REFETCH = Duration.ofSeconds(30);
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_BYTES = 1024 * 1024;
    static final int MAX_KEYS = 256;

    private static final System.Logger LOG = System.getLogger(JwksSource.class.getName());
    private static final Pattern MAX_AGE = Pattern.compile("max-age\\s*=\\s*(\\d{1,9})");
    /** One daemon thread for every JWKS of the process: loads are rare and short. */
    private static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kfrelay-jwks");
        t.setDaemon(true);
        return t;
    });

    private final String location;
    private final Path file;
    private final URI url;
    private final Duration refresh;
    private final HttpClient http;

    private volatile Map<String, TokenKey> keys = Map.of();
    // Touched by the scheduler thread only (and by the constructor before it is scheduled).
    private long fileModified = Long.MIN_VALUE;
    private long fileSize = -1;
    private String etag;
    private boolean failing;
    private volatile long lastFetchNanos = System.nanoTime() - MIN_REFETCH.toNanos();
    private ScheduledFuture<?> next;
    private volatile boolean closed;

    /**
     * Loads the set once and schedules its reloads.
     *
     * @throws IllegalArgumentException if the location is not a readable file nor an allowed URL, or a file's set
     *                                  is invalid
     */
    JwksSource(String location, Duration refresh) {
        if (refresh == null || !refresh.isPositive()) {
            throw new IllegalArgumentException("auth-jwks-refresh must be positive");
        }
        this.location = location;
        this.refresh = refresh;
        if (location.startsWith("https://") || location.startsWith("http://")) {
            this.url = checkedUrl(location);
            this.file = null;
            this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
            schedule(fetch());
        } else {
            this.url = null;
            this.http = null;
            this.file = Path.of(location);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("auth-jwks: " + location + " is not a file nor an https:// URL");
            }
            if (!pollFile()) {
                throw new IllegalArgumentException("auth-jwks: " + location + " is not a valid JWKS (see the log)");
            }
            schedule(filePoll());
        }
    }

    /** The current keys by kid. */
    Map<String, TokenKey> keys() {
        return keys;
    }

    String location() {
        return location;
    }

    /** A token named a kid the set does not have: fetch a URL's set soon, at most once per {@link #MIN_REFETCH}. */
    void unknownKid() {
        if (url != null && !closed && System.nanoTime() - lastFetchNanos >= MIN_REFETCH.toNanos()) {
            lastFetchNanos = System.nanoTime(); // claims the early fetch; racing callers see it taken
            SCHEDULER.execute(() -> {
                if (!closed) {
                    schedule(fetch());
                }
            });
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (next != null) {
            next.cancel(false);
        }
    }

    private Duration filePoll() {
        return refresh.compareTo(FILE_POLL) < 0 ? refresh : FILE_POLL;
    }

    private synchronized void schedule(Duration delay) {
        if (closed) {
            return;
        }
        if (next != null) {
            next.cancel(false);
        }
        next = SCHEDULER.schedule(url != null ? () -> schedule(fetch()) : () -> {
            pollFile();
            schedule(filePoll());
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Reads the file again if its time or size changed. False if it could not be read or parsed. */
    boolean pollFile() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            long modified = a.lastModifiedTime().toMillis();
            if (modified == fileModified && a.size() == fileSize) {
                return true;
            }
            if (a.size() > MAX_BYTES) {
                return failed("larger than " + MAX_BYTES + " bytes");
            }
            String text = Files.readString(file, StandardCharsets.UTF_8);
            boolean ok = install(text);
            if (ok) {
                fileModified = modified; // a set that failed is read again at the next poll
                fileSize = a.size();
            }
            return ok;
        } catch (IOException e) {
            return failed(e.toString());
        }
    }

    /** One fetch of the URL; returns when to fetch next. */
    Duration fetch() {
        lastFetchNanos = System.nanoTime();
        Duration retry = refresh.compareTo(MIN_REFETCH) < 0 ? refresh : MIN_REFETCH;
        try {
            HttpRequest.Builder req = HttpRequest.newBuilder(url).timeout(TIMEOUT)
                    .header("Accept", "application/jwk-set+json, application/json");
            if (etag != null) {
                req.header("If-None-Match", etag);
            }
            HttpResponse<InputStream> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
            String body;
            try (InputStream in = resp.body()) {
                if (resp.statusCode() == 304) {
                    recovered();
                    return nextFetch(resp);
                }
                if (resp.statusCode() != 200) {
                    failed("HTTP " + resp.statusCode());
                    return retry;
                }
                byte[] bytes = in.readNBytes(MAX_BYTES + 1);
                if (bytes.length > MAX_BYTES) {
                    failed("larger than " + MAX_BYTES + " bytes");
                    return retry;
                }
                body = new String(bytes, StandardCharsets.UTF_8);
            }
            if (!install(body)) {
                return retry;
            }
            etag = resp.headers().firstValue("ETag").orElse(null);
            return nextFetch(resp);
        } catch (IOException e) {
            failed(e.toString());
            return retry;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return retry;
        }
    }

    private Duration nextFetch(HttpResponse<?> resp) {
        Optional<String> cc = resp.headers().firstValue("Cache-Control");
        if (cc.isPresent()) {
            Matcher m = MAX_AGE.matcher(cc.get());
            if (m.find()) {
                Duration maxAge = Duration.ofSeconds(Long.parseLong(m.group(1)));
                Duration floor = refresh.compareTo(MIN_REFETCH) < 0 ? refresh : MIN_REFETCH;
                Duration d = maxAge.compareTo(refresh) < 0 ? maxAge : refresh;
                return d.compareTo(floor) < 0 ? floor : d;
            }
        }
        return refresh;
    }

    /** Parses {@code text} and, if it is a valid set, makes it the current one. */
    private boolean install(String text) {
        Map<String, TokenKey> parsed;
        try {
            parsed = parse(text, location);
        } catch (ParseException | IllegalArgumentException e) {
            return failed("not a valid JWKS: " + e.getMessage());
        }
        boolean changed = !parsed.keySet().equals(keys.keySet());
        keys = Map.copyOf(parsed);
        if (changed || failing) {
            LOG.log(System.Logger.Level.INFO, () -> "auth-jwks " + location + ": " + parsed.size() + " keys " + parsed.keySet());
        }
        failing = false;
        return true;
    }

    private void recovered() {
        if (failing) {
            LOG.log(System.Logger.Level.INFO, () -> "auth-jwks " + location + " answers again; keys " + keys.keySet());
        }
        failing = false;
    }

    private boolean failed(String why) {
        if (!failing) {
            LOG.log(System.Logger.Level.WARNING, () -> "auth-jwks " + location + ": " + why + "; keeping the last good set "
                    + keys.keySet() + " (logged once until it loads again)");
        }
        failing = true;
        return false;
    }

    /** The usable keys of a JWKS document. @throws ParseException if it is not a JWKS */
    static Map<String, TokenKey> parse(String text, String source) throws ParseException {
        JWKSet set = JWKSet.parse(text);
        if (set.getKeys().size() > MAX_KEYS) {
            throw new IllegalArgumentException("more than " + MAX_KEYS + " keys");
        }
        Map<String, TokenKey> out = new HashMap<>();
        for (JWK jwk : set.getKeys()) {
            String kid = jwk.getKeyID();
            String skip = null;
            TokenKey key = null;
            if (kid == null || kid.isEmpty()) {
                skip = "no kid";
            } else if (KeyUse.ENCRYPTION.equals(jwk.getKeyUse())) {
                skip = "use enc";
            } else {
                try {
                    if (jwk instanceof ECKey ec && Curve.P_256.equals(ec.getCurve())) {
                        key = TokenKey.of(kid, ec.toECPublicKey(), source + " kid " + kid);
                    } else if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
                        key = TokenKey.of(kid, Ed25519Jdk.publicKey(okp.getDecodedX()), source + " kid " + kid);
                    } else {
                        skip = jwk.getKeyType() + (jwk instanceof ECKey ec ? " " + ec.getCurve()
                                : jwk instanceof OctetKeyPair o ? " " + o.getCurve() : "") + " is not a token key type";
                    }
                } catch (JOSEException | GeneralSecurityException e) {
                    skip = "unusable: " + e.getMessage();
                }
                if (key != null && jwk.getAlgorithm() != null && !key.algorithms().contains(jwk.getAlgorithm())) {
                    skip = "alg " + jwk.getAlgorithm() + " is not its key type's (" + key.algorithm() + ")";
                    key = null;
                }
            }
            if (key == null) {
                String why = skip;
                LOG.log(System.Logger.Level.INFO, () -> "auth-jwks " + source + ": skipping key " + kid + ": " + why);
                continue;
            }
            if (out.putIfAbsent(kid, key) != null) {
                throw new IllegalArgumentException("two keys with kid " + kid);
            }
        }
        return out;
    }

    /** An https URL, or an http one to a loopback address literal or localhost. */
    private static URI checkedUrl(String location) {
        URI u;
        try {
            u = URI.create(location);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("auth-jwks: not a URL: " + location, e);
        }
        if (u.getHost() == null) {
            throw new IllegalArgumentException("auth-jwks: no host in " + location);
        }
        if (u.getScheme().equals("http") && !isLoopback(u.getHost())) {
            throw new IllegalArgumentException("auth-jwks: " + location + ": only https:// (http:// to loopback only): "
                    + "the keys decide who may join");
        }
        return u;
    }

    private static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            return InetAddress.ofLiteral(literal).isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            return false; // a name: not trusted to resolve to loopback
        }
    }
}
