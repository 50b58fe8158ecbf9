package io.kfrelay.cli;

import io.kfrelay.admin.AdminConfig;
import io.kfrelay.server.ListenAddress;
import io.kfrelay.server.RelayServer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code serve}'s admin server options (a mixin; the environment and config file set them like any other). */
final class AdminOptions {
    /** serve's option that turns authentication on, when the relay has one. */
    static final String REQUIRE_AUTH_OPTION = "--require-auth";

    @Option(names = "--admin-listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9090",
            description = "Where the admin HTTP server binds (/metrics, /healthz, /readyz, /api/...): HOST:PORT, "
                    + "[IPv6]:PORT or :PORT (every interface); off disables it.")
    String adminListen;

    @Option(names = "--admin-token", paramLabel = "TOKEN",
            description = "Bearer token the /api/ endpoints require (Authorization: Bearer TOKEN), at least 16 "
                    + "characters; probes and /metrics never need it. Required when --require-auth is on. Set it "
                    + "in the environment (KFRELAY_ADMIN_TOKEN) or a file rather than on the command line.")
    String adminToken;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "Read the admin token from the first line of FILE (e.g. a systemd credential).")
    Path adminTokenFile;

    /**
     * The admin configuration these options describe; {@code serve} is the parsed command, whose
     * {@value #REQUIRE_AUTH_OPTION} (if the relay has it) makes the token mandatory.
     *
     * @throws IllegalArgumentException naming the option that is wrong
     */
    AdminConfig adminConfig(CommandSpec serve) {
        ListenAddress listen = adminListen == null || adminListen.trim().equalsIgnoreCase("off")
                ? null : new Converters.Listen().convert(adminListen);
        return new AdminConfig(listen, token(), authRequired(serve));
    }

    private String token() {
        if (adminToken != null && adminTokenFile != null) {
            throw new IllegalArgumentException("give admin-token or admin-token-file, not both");
        }
        if (adminTokenFile == null) {
            return adminToken == null || adminToken.isBlank() ? null : adminToken.trim();
        }
        try {
            List<String> lines = Files.readAllLines(adminTokenFile, StandardCharsets.UTF_8);
            if (lines.isEmpty() || lines.getFirst().isBlank()) {
                throw new IllegalArgumentException("admin-token-file " + adminTokenFile + " is empty");
            }
            return lines.getFirst().trim();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read admin-token-file " + adminTokenFile + ": " + e.getMessage());
        }
    }

    /** The line {@code serve} prints once the admin server listens. */
    static void printAddress(PrintWriter out, RelayServer server) {
        InetSocketAddress at = server.adminAddress();
        if (at != null) {
            out.printf("kfrelay admin on http://%s (live page /, /metrics, /healthz, /readyz, /api/rooms, /api/stats)%n",
                    new ListenAddress(at.getAddress().getHostAddress(), at.getPort()));
        }
    }

    private static boolean authRequired(CommandSpec serve) {
        OptionSpec requireAuth = serve == null ? null : serve.findOption(REQUIRE_AUTH_OPTION);
        return requireAuth != null && Boolean.TRUE.equals(requireAuth.getValue());
    }
}
