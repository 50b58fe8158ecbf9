package io.kfrelay.cli;

import io.kfrelay.room.Grants;
import io.kfrelay.security.JoinToken;
import io.kfrelay.security.JoinTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "token", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Print a join token (an HS256 JWT) for one identity and room as the last line of output.",
                "Give it to publish/record with --token; the relay checks it when started with the same --auth-secret."})
final class TokenCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--secret", paramLabel = "SECRET", defaultValue = "${env:KFRELAY_AUTH_SECRET}",
            showDefaultValue = Visibility.NEVER,
            description = "The relay's --auth-secret (at least 32 bytes); default: $KFRELAY_AUTH_SECRET.")
    String secret;

    @Option(names = "--room", required = true, paramLabel = "ROOM",
            description = "The room the token admits to; end it with * for every room starting with the rest (* alone: any room).")
    String room;

    @Option(names = "--identity", required = true, paramLabel = "NAME", description = "The identity the JOIN must use.")
    String identity;

    @Option(names = "--publish", description = "Grant canPublish: may send media.")
    boolean publish;

    @Option(names = "--subscribe", description = "Grant canSubscribe: receives the others' media.")
    boolean subscribe;

    @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "60s", converter = Converters.Time.class,
            description = "How long the token is valid (default: ${DEFAULT-VALUE}).")
    Duration ttl;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (secret == null || secret.isEmpty()) {
            err.println("kfrelay token: give --secret or set KFRELAY_AUTH_SECRET");
            return 2;
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
        String token;
        try {
            JoinToken claims = new JoinToken(identity, room, new Grants(publish, subscribe), now + ttl.toSeconds(), 0);
            token = new JoinTokens(secret.getBytes(StandardCharsets.UTF_8)).issue(claims, now);
        } catch (IllegalArgumentException e) {
            err.println("kfrelay token: " + e.getMessage());
            return 2;
        }
        out.println(token);
        return 0;
    }
}
