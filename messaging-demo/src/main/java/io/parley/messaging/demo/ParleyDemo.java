package io.parley.messaging.demo;

import io.parley.messaging.demo.bench.BenchCommand;
import io.parley.messaging.demo.cli.HealthCommand;
import io.parley.messaging.demo.cli.HistoryCommand;
import io.parley.messaging.demo.cli.LocalCommand;
import io.parley.messaging.demo.cli.NodeCommand;
import io.parley.messaging.demo.node.DemoException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code messaging-demo.jar} entry point: {@code local}, {@code node}, {@code history}, {@code bench} and
 * {@code health}.
 *
 * <p>Exit codes: 0 success, 1 the command failed (one sentence on standard error, and the stack trace with
 * {@code --verbose}), 2 bad command-line arguments (what is wrong, and where to read more).
 */
@Command(name = "parley", mixinStandardHelpOptions = true, version = "Parley demo 0.1.0",
        description = "Parley: acknowledged, timestamped messages between nodes over TCP.",
        subcommands = {LocalCommand.class, NodeCommand.class, HistoryCommand.class, BenchCommand.class,
                HealthCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Start with: parley local --nodes 3"})
public final class ParleyDemo {

    /** Exit code of a command that failed. */
    public static final int FAILED = 1;

    private ParleyDemo() {
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The command line with this program's error handling, for {@link #run} and for tests that redirect its output. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new ParleyDemo());
        cli.setExecutionExceptionHandler(ParleyDemo::failed);
        cli.setParameterExceptionHandler(ParleyDemo::badArguments);
        return cli;
    }

    private static int failed(Exception e, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        String message = e instanceof DemoException || e instanceof io.parley.messaging.MessagingException
                ? e.getMessage() : "unexpected failure: " + e;
        err.println("parley: " + message);
        if (verbose(parsed)) {
            e.printStackTrace(err);
        }
        err.flush();
        return FAILED;
    }

    private static int badArguments(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        List<String> unmatched = cmd.getParseResult() == null ? List.of() : cmd.getParseResult().unmatched();
        if (!(e instanceof UnmatchedArgumentException) && !unmatched.isEmpty()) {
            // A mistyped option also leaves the option it meant missing: the typo is what to tell.
            e = new UnmatchedArgumentException(cmd, unmatched);
        }
        err.println("parley: " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }
}
