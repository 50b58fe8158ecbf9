package io.kfrelay.cli;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import io.kfrelay.room.Grants;
import io.kfrelay.security.JoinToken;
import io.kfrelay.security.PemKeys;
import io.kfrelay.security.TokenSigner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "token", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Print a join token (a JWT) for one identity and room as the last line of output: HS256 with --secret,",
                "or ES256/EdDSA with --private-key and --kid (the relay then has the public key: --auth-public-key or --auth-jwks).",
                "Give it to publish/record with --token. --gen-key makes a key pair for --private-key instead."})
final class TokenCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--secret", paramLabel = "SECRET", defaultValue = "${env:KFRELAY_AUTH_SECRET}",
            showDefaultValue = Visibility.NEVER,
            description = "Sign with HS256: the relay's --auth-secret (at least 32 bytes); default: $KFRELAY_AUTH_SECRET.")
    String secret;

    @Option(names = "--private-key", paramLabel = "FILE",
            description = "Sign with this PEM private key (PKCS#8 'PRIVATE KEY'): EC P-256 makes ES256 tokens, Ed25519 "
                    + "EdDSA tokens. Needs --kid. Takes precedence over --secret.")
    Path privateKey;

    @Option(names = "--kid", paramLabel = "KID",
            description = "The key id written in the token's header: the kid the relay knows the public key by.")
    String kid;

    @Option(names = "--room", paramLabel = "ROOM",
            description = "The room the token admits to; end it with * for every room starting with the rest (* alone: any room).")
    String room;

    @Option(names = "--identity", paramLabel = "NAME", description = "The identity the JOIN must use.")
    String identity;

    @Option(names = "--publish", description = "Grant canPublish: may send media.")
    boolean publish;

    @Option(names = "--subscribe", description = "Grant canSubscribe: receives the others' media.")
    boolean subscribe;

    @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "60s", converter = Converters.Time.class,
            description = "How long the token is valid (default: ${DEFAULT-VALUE}).")
    Duration ttl;

    @Option(names = "--gen-key", paramLabel = "ec|ed25519",
            description = "Instead of a token: make a key pair in --out: KID-private.pem (for --private-key, mode 600), "
                    + "KID.pem (the public key, for the relay's --auth-public-key: its kid is the file name) and "
                    + "KID.jwks.json (the public key as a JWKS, for --auth-jwks).")
    String genKey;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".", description = "Where --gen-key writes (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return genKey != null ? generate() : token();
        } catch (IllegalArgumentException e) {
            err.println("kfrelay token: " + e.getMessage());
            return 2;
        }
    }

    private int token() {
        PrintWriter err = spec.commandLine().getErr();
        if (room == null || identity == null) {
            err.println("kfrelay token: give --room and --identity");
            return 2;
        }
        TokenSigner signer;
        if (privateKey != null) {
            if (kid == null || kid.isEmpty()) {
                err.println("kfrelay token: --private-key needs --kid (the relay selects the public key by it)");
                return 2;
            }
            signer = TokenSigner.privateKey(privateKey, kid);
        } else if (secret == null || secret.isEmpty()) {
            err.println("kfrelay token: give --secret (or set KFRELAY_AUTH_SECRET), or --private-key and --kid");
            return 2;
        } else {
            if (kid != null) {
                err.println("kfrelay token: --kid is for --private-key; HS256 tokens carry no kid");
                return 2;
            }
            signer = TokenSigner.hs256(secret.getBytes(StandardCharsets.UTF_8));
        }
        if (!publish && !subscribe) {
            err.println("kfrelay token: grant --publish, --subscribe or both (a token with neither is refused)");
            return 2;
        }
        if (ttl.toSeconds() < 1) {
            err.println("kfrelay token: --ttl must be at least 1s");
            return 2;
        }
        long now = System.currentTimeMillis() / 1000;
        JoinToken claims = new JoinToken(identity, room, new Grants(publish, subscribe), now + ttl.toSeconds(), 0);
        spec.commandLine().getOut().println(signer.sign(claims, now));
        return 0;
    }

    private int generate() {
        PrintWriter err = spec.commandLine().getErr();
        if (kid == null || kid.isEmpty() || !kid.matches("[A-Za-z0-9._-]+") || kid.startsWith(".")) {
            err.println("kfrelay token: --gen-key needs --kid, made of letters, digits, '.', '_' and '-' (it names the files)");
            return 2;
        }
        KeyPair pair;
        JWK jwk;
        try {
            switch (genKey.toLowerCase(Locale.ROOT)) {
                case "ec", "es256", "p-256" -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec("secp256r1"));
                    pair = g.generateKeyPair();
                    jwk = new ECKey.Builder(Curve.P_256, (ECPublicKey) pair.getPublic()).keyID(kid)
                            .keyUse(KeyUse.SIGNATURE).algorithm(com.nimbusds.jose.JWSAlgorithm.ES256).build();
                }
                case "ed25519", "eddsa" -> {
                    pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                    byte[] spki = pair.getPublic().getEncoded();
                    byte[] x = java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
                    jwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID(kid)
                            .keyUse(KeyUse.SIGNATURE).algorithm(com.nimbusds.jose.JWSAlgorithm.EdDSA).build();
                }
                default -> {
                    err.println("kfrelay token: --gen-key takes ec or ed25519, not " + genKey);
                    return 2;
                }
            }
        } catch (GeneralSecurityException e) {
            err.println("kfrelay token: cannot make a key: " + e.getMessage());
            return 1;
        }
        Path priv = out.resolve(kid + "-private.pem");
        Path pub = out.resolve(kid + ".pem");
        Path jwks = out.resolve(kid + ".jwks.json");
        try {
            Files.createDirectories(out);
            for (Path p : new Path[] {priv, pub, jwks}) {
                if (Files.exists(p)) {
                    err.println("kfrelay token: " + p + " exists; not overwriting a key");
                    return 2;
                }
            }
            Files.createFile(priv, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(priv, PemKeys.pem("PRIVATE KEY", pair.getPrivate().getEncoded()), StandardOpenOption.TRUNCATE_EXISTING);
            Files.writeString(pub, PemKeys.pem("PUBLIC KEY", pair.getPublic().getEncoded()));
            Files.writeString(jwks, new JWKSet(jwk).toString(true) + "\n");
        } catch (IOException | UnsupportedOperationException e) {
            err.println("kfrelay token: cannot write the key files: " + e);
            return 1;
        }
        PrintWriter o = spec.commandLine().getOut();
        o.println("private key (keep it with the token issuer): " + priv);
        o.println("public key, for the relay's --auth-public-key: " + pub);
        o.println("JWKS of the public key, for the relay's --auth-jwks: " + jwks);
        o.println("sign with: ./kfrelay token --private-key " + priv + " --kid " + kid + " --room ROOM --identity NAME --publish");
        return 0;
    }
}
