package io.kfrelay.cli;

import io.kfrelay.admin.AdminConfig;
import io.kfrelay.server.ListenAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** serve's admin and logging options, from the command line, the environment and a file. */
class AdminOptionsTest {
    private static final String TOKEN = "an-admin-token-of-some-length";

    @TempDir
    Path tmp;

    private static ServeCommand parse(Map<String, String> env, String... serveArgs) {
        String[] args = new String[serveArgs.length + 1];
        args[0] = "serve";
        System.arraycopy(serveArgs, 0, args, 1, serveArgs.length);
        CommandLine cmd = Main.commandLine(args, env, new PrintWriter(new StringWriter(), true));
        return (ServeCommand) cmd.parseArgs(args).subcommand().commandSpec().userObject();
    }

    private static AdminConfig admin(Map<String, String> env, String... serveArgs) {
        ServeCommand serve = parse(env, serveArgs);
        return serve.admin.adminConfig(serve.spec);
    }

    @Test
    void byDefaultTheAdminServerIsOnLoopbackWithoutAToken() {
        assertEquals(AdminConfig.defaults(), admin(Map.of()));
        assertEquals("info", parse(Map.of()).logging.logLevel);
    }

    @Test
    void offDisablesTheAdminServer() {
        assertFalse(admin(Map.of(), "--admin-listen", "off").enabled());
        assertFalse(admin(Map.of("KFRELAY_ADMIN_LISTEN", "off")).enabled());
    }

    @Test
    void theTokenComesFromTheEnvironmentOrAFile() throws IOException {
        AdminConfig fromEnv = admin(Map.of("KFRELAY_ADMIN_TOKEN", TOKEN, "KFRELAY_ADMIN_LISTEN", ":9191"));
        assertEquals(TOKEN, fromEnv.token());
        assertEquals(new ListenAddress("0.0.0.0", 9191), fromEnv.listen());
        Path file = Files.writeString(tmp.resolve("admin-token"), TOKEN + "\n");
        assertEquals(TOKEN, admin(Map.of(), "--admin-token-file", file.toString()).token());
    }

    @Test
    void requireAuthWithoutAnAdminTokenIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> admin(Map.of(), "--require-auth", "--auth-secret", "0123456789abcdef0123456789abcdef"));
        assertTrue(e.getMessage().contains("admin-token"), e.getMessage());
        AdminConfig ok = admin(Map.of("KFRELAY_ADMIN_TOKEN", TOKEN), "--require-auth",
                "--auth-secret", "0123456789abcdef0123456789abcdef");
        assertTrue(ok.authRequired());
        assertNull(admin(Map.of(), "--require-auth", "--admin-listen", "off").listen(),
                "no admin server, nothing to protect");
    }

    @Test
    void theServeCommandRefusesToStartWhenAuthIsRequiredButNoAdminTokenIsSet() {
        StringWriter err = new StringWriter();
        String level = System.getProperty(LoggingOptions.LEVEL_PROPERTY);
        int status;
        try {
            status = Main.run(new String[]{"serve", "--ws-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                            "--quic-listen", "off", "--require-auth", "--auth-secret", "0123456789abcdef0123456789abcdef"},
                    Map.of(), new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        } finally {
            // serve sets the log level for the process; leave this test JVM's as it was
            if (level == null) {
                System.clearProperty(LoggingOptions.LEVEL_PROPERTY);
            } else {
                System.setProperty(LoggingOptions.LEVEL_PROPERTY, level);
            }
        }
        assertEquals(2, status, err.toString());
        assertTrue(err.toString().contains("admin-token is required"), err.toString());
    }

    @Test
    void theLogLevelIsOneOfFive() {
        assertEquals("debug", parse(Map.of("KFRELAY_LOG_LEVEL", "DEBUG")).logging.logLevel);
        assertThrows(CommandLine.ParameterException.class, () -> parse(Map.of(), "--log-level", "chatty"));
    }
}
