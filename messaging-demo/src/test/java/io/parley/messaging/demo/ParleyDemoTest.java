package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@link ParleyDemo#run} returns the exit code, so the entry point can be called in-process. */
class ParleyDemoTest {

    @TempDir
    Path dir;

    @Test
    void helpAndVersionSucceed() {
        assertThat(run(new StringWriter(), "--version")).isZero();
        assertThat(run(new StringWriter(), "node", "--help")).isZero();
    }

    @Test
    void badArgumentsReturn2AndAFailedCommandReturns1() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "local", "--nodes", "1")).isEqualTo(2);
        assertThat(err.toString()).startsWith("parley: --nodes must be between 2 and 26, got 1");

        StringWriter failed = new StringWriter();
        assertThat(run(failed, "history", "--db", dir.resolve("none.db").toString())).isEqualTo(1);
        assertThat(failed.toString()).isEqualTo("parley: message store " + dir.resolve("none.db") + " does not exist"
                + System.lineSeparator());
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cli = ParleyDemo.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
