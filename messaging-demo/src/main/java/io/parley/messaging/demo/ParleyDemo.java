package io.parley.messaging.demo;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code messaging-demo.jar} entry point.
 *
 * <p>Exit codes: 0 success, 1 the command failed, 2 bad command-line arguments.
 */
@Command(name = "parley", mixinStandardHelpOptions = true, version = "Parley demo 0.1.0",
        description = "Parley: acknowledged, timestamped messages between nodes over TCP.",
        subcommands = {LocalCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class ParleyDemo {

    private ParleyDemo() {
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new ParleyDemo());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("parley: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        });
        return cli.execute(args);
    }
}
