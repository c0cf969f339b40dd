package io.parley.messaging.demo.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.demo.ParleyDemo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --cluster-secret-file} of {@code node} and {@code local}: the file's bytes, or a bad argument (exit 2). */
class ClusterSecretOptionTest {

    @TempDir
    Path dir;

    @Test
    void theFilesBytesAreTheSecretWithoutOneTrailingNewline() throws Exception {
        assertThat(secretOf(file("lf", "0123456789abcdef0123\n"))).isEqualTo("0123456789abcdef0123".getBytes(UTF_8));
        assertThat(secretOf(file("crlf", "0123456789abcdef0123\r\n"))).isEqualTo("0123456789abcdef0123".getBytes(UTF_8));
        assertThat(secretOf(file("none", "0123456789abcdef 01"))).isEqualTo("0123456789abcdef 01".getBytes(UTF_8));
        assertThat(secretOf(file("two", "0123456789abcdef\n\n"))).isEqualTo("0123456789abcdef\n".getBytes(UTF_8));
        byte[] binary = new byte[32];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) (i * 37);
        }
        Path raw = dir.resolve("raw");
        Files.write(raw, binary);
        assertThat(secretOf(raw)).isEqualTo(binary);
    }

    @Test
    void withoutTheOptionThereIsNoSecret() {
        NodeCommand command = new NodeCommand();
        new CommandLine(command).parseArgs("--id", "n1", "--listen", "127.0.0.1:0");
        assertThat(command.options.clusterSecret(command.spec)).isNull();
    }

    @Test
    void aMissingFileIsABadArgumentOfNodeAndOfLocal() {
        String missing = dir.resolve("missing").toString();

        StringWriter node = new StringWriter();
        assertThat(run(node, "node", "--id", "n1", "--listen", "127.0.0.1:0", "--db", dir.resolve("n1.db").toString(), "--headless",
                "--cluster-secret-file", missing)).isEqualTo(2);
        assertThat(node.toString()).startsWith("parley: --cluster-secret-file: cannot read " + missing + ": no such file");

        StringWriter local = new StringWriter();
        assertThat(run(local, "local", "--data-dir", dir.toString(), "--cluster-secret-file", missing)).isEqualTo(2);
        assertThat(local.toString()).startsWith("parley: --cluster-secret-file: cannot read " + missing);
    }

    @Test
    void aSecretOfFewerThanSixteenBytesIsABadArgument() throws Exception {
        Path shortFile = file("short", "fifteen bytes!!\n");

        StringWriter err = new StringWriter();
        assertThat(run(err, "local", "--data-dir", dir.toString(), "--cluster-secret-file", shortFile.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).startsWith("parley: --cluster-secret-file: " + shortFile
                + " holds 15 bytes; a cluster secret needs at least 16");
    }

    private byte[] secretOf(Path file) {
        NodeCommand command = new NodeCommand();
        new CommandLine(command).parseArgs("--id", "n1", "--listen", "127.0.0.1:0", "--cluster-secret-file", file.toString());
        return command.options.clusterSecret(command.spec);
    }

    private Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content, UTF_8);
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cli = ParleyDemo.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
