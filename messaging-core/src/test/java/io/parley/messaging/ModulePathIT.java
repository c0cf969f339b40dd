package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged core jar on the module path, as an application that is a JPMS module uses it: a small named module,
 * compiled here, {@code requires io.parley.messaging} (the jar's Automatic-Module-Name), starts two nodes and sends
 * one message from one to the other. Runs after {@code package} (failsafe), on the jar and the runtime class path
 * file that package wrote, each run a JVM of its own.
 *
 * <p>What an application on the module path needs besides the core and its dependencies (README, "Embedding"):
 * {@code --add-modules ALL-MODULE-PATH}, as the core is an automatic module and Netty's and SLF4J's are explicit
 * ones, which nothing else makes the JVM resolve; and {@code protobuf-javanano}, which netty-codec-protobuf's module
 * descriptor requires although Parley never uses it (and leaves out of the class path). The last test keeps that
 * fact in sight: when it stops holding, the core can have a {@code module-info} of its own.
 */
class ModulePathIT {

    private static final String MODULE = "io.parley.messaging";

    @TempDir
    Path dir;

    @Test
    void theCoreJarNamesItsModule() throws IOException {
        try (JarFile jar = new JarFile(coreJar().toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name")).isEqualTo(MODULE);
        }
    }

    @Test
    void anApplicationModuleRequiresTheCoreAndSendsAMessage() throws Exception {
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("check"));
        Files.writeString(src.resolve("module-info.java"), "module parley.modulepath.check { requires " + MODULE + "; }\n");
        Files.writeString(src.resolve("check/Main.java"), """
                package check;

                import io.parley.messaging.Node;
                import io.parley.messaging.Receipt;
                import java.nio.charset.StandardCharsets;
                import java.util.concurrent.TimeUnit;

                public class Main {
                    public static void main(String[] args) throws Exception {
                        System.out.println("core module: " + Node.class.getModule().getName()
                                + ", named " + Node.class.getModule().isNamed());
                        try (Node alice = Node.builder().id("alice").build().start();
                             Node bob = Node.builder().id("bob")
                                     .peer("alice", "127.0.0.1", alice.localAddress().getPort()).build().start()) {
                            Receipt r = bob.send("alice", "hi".getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
                            System.out.println("delivered " + r.messageId());
                        }
                        for (String m : new String[] {"io.parley.messaging.proto", "io.netty.transport", "com.google.protobuf"}) {
                            System.out.println("module " + m + ": " + ModuleLayer.boot().findModule(m).isPresent());
                        }
                    }
                }
                """);
        String modulePath = String.join(File.pathSeparator, coreJar().toString(), runtimeClassPath(), javanano());
        Path out = dir.resolve("out");

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int compiled = javac.run(null, diagnostics, diagnostics, "--release", "17", "--module-path", modulePath,
                "-d", out.toString(), src.resolve("module-info.java").toString(), src.resolve("check/Main.java").toString());
        assertThat(compiled).as("javac on the module path:%n%s", diagnostics.toString(StandardCharsets.UTF_8)).isZero();

        Run run = java("--module-path", out + File.pathSeparator + modulePath, "--add-modules", "ALL-MODULE-PATH",
                "-m", "parley.modulepath.check/check.Main");

        assertThat(run.exitCode).as("exit code; it printed:%n%s", run.printed).isZero();
        assertThat(run.printed)
                .contains("core module: " + MODULE + ", named true")
                .contains("delivered ")
                .contains("module io.parley.messaging.proto: true")
                .contains("module io.netty.transport: true")
                .contains("module com.google.protobuf: true");
    }

    @Test
    void nettysProtobufCodecStillNeedsJavananoOnTheModulePath() throws Exception {
        Run run = java("--module-path", coreJar() + File.pathSeparator + runtimeClassPath(),
                "--add-modules", "ALL-MODULE-PATH", "--list-modules");

        assertThat(run.exitCode).as("it printed:%n%s", run.printed).isNotZero();
        assertThat(run.printed).contains("Module protobuf.javanano not found, required by io.netty.codec.protobuf");
    }

    private record Run(int exitCode, String printed) {
    }

    private static Run java(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m"));
        command.addAll(Arrays.asList(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> copy(process.getInputStream(), output));
        reader.start();
        boolean exited = process.waitFor(90, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(10_000);
        String printed = output.toString(StandardCharsets.UTF_8);
        assertThat(exited).as("%s ended within 90 s; it printed:%n%s", command, printed).isTrue();
        return new Run(process.exitValue(), printed);
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            // the process is gone; what was read is kept
        }
    }

    private static Path coreJar() {
        Path jar = Path.of(property("parley.core.jar"));
        assertThat(jar).as("the core jar that package made").isRegularFile();
        return jar;
    }

    /** The core's runtime class path (dependency:build-classpath at package): what an application gets with it. */
    private static String runtimeClassPath() throws IOException {
        Path file = Path.of(property("parley.runtime.classpath.file"));
        String runtime = Files.readString(file).strip();
        assertThat(runtime).as("runtime class path of the core (%s)", file).contains("netty-transport", "protobuf-java");
        assertThat(runtime).as("runtime class path of the core").doesNotContain("javanano");
        return runtime;
    }

    /** protobuf-javanano's jar, a test dependency of the core: on this test's class path. */
    private static String javanano() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> Path.of(p).getFileName().toString().startsWith("protobuf-javanano-"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("protobuf-javanano is not on the test class path"));
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        assertThat(value).as("system property %s (set by messaging-core's failsafe)", name).isNotBlank();
        return value;
    }
}
