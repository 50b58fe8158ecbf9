package io.kfrelay.cli;

/** Entry point of the runnable jar; the commands are filled in by the CLI. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.err.println("kfrelay: no commands yet");
        System.exit(2);
    }
}
