package io.kfrelay.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.Map;

/** Entry point of the runnable jar: {@code serve}, {@code publish}, {@code record}, {@code token} and {@code cluster}. */
@Command(name = "kfrelay", mixinStandardHelpOptions = true, version = "kfrelay 0.1.0",
        description = "Selective forwarding media relay with a keyframe cache: a late joiner gets a decodable picture at once.",
        subcommands = {ServeCommand.class, PublishCommand.class, RecordCommand.class, TokenCommand.class,
                ClusterCommand.class, HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: serve, publish, record, token or cluster");
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs one command line as the jar's main does, but with the environment and output given (tests, embedding);
     * returns the exit status: 0 ok, 1 failure, 2 usage error.
     */
    public static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
        CommandLine cmd = commandLine(args, env, err);
        if (cmd == null) {
            return 2;
        }
        cmd.setOut(out).setErr(err);
        return cmd.execute(args);
    }

    /**
     * The command tree, with {@code serve}'s defaults taken from the environment and its config file. Null (after
     * printing why) when the config file cannot be used.
     */
    static CommandLine commandLine(String[] args, Map<String, String> env, PrintWriter err) {
        CommandLine cmd = new CommandLine(new Main());
        CommandLine serve = cmd.getSubcommands().get("serve");
        boolean servesNow = args.length > 0 && args[0].equals("serve");
        try {
            ServeDefaults defaults = ServeDefaults.load(servesNow ? args : new String[0], env);
            defaults.checkKeys(serve.getCommandSpec());
            serve.setDefaultValueProvider(defaults);
        } catch (ServeDefaults.ConfigFileException e) {
            err.println("kfrelay serve: " + e.getMessage());
            return null;
        }
        return cmd;
    }
}
