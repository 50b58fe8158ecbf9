package io.kfrelay.e2e;

import io.kfrelay.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** Runs one kfrelay command line in this JVM (the code path of the jar's main) and captures its output. */
record CliRun(int status, String out, String err) {
    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(status, out.toString(), err.toString());
    }
}
