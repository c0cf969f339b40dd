package io.parley.messaging.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The node image, built from {@code docker/Dockerfile} once per test run (the first time a test asks for it), on the
 * base image {@code -Dparley.base.image} (default {@value #LOCAL_BASE}, which {@code docker/make-base-image.sh} makes
 * from this machine's JDK when it is missing). Nothing is pulled: the build context is sent as a tar and the Dockerfile
 * is named inside it, so Testcontainers does not try to fetch the base image first.
 */
final class NodeImage {

    /** The tag the build gives the image; the same each run, so the base layer is reused. */
    static final String NAME = "parley-node:it";
    /** The base image docker/make-base-image.sh makes offline. */
    static final String LOCAL_BASE = "parley-jre:17";

    private static String built;

    private NodeImage() {
    }

    /** The image's name, built on the first call. */
    static synchronized String get() {
        if (built == null) {
            built = build();
        }
        return built;
    }

    /** The repository's root: the build context, as for {@code docker build -f docker/Dockerfile .}. */
    static Path repository() {
        return Path.of(System.getProperty("parley.repository", "..")).toAbsolutePath().normalize();
    }

    // withDockerfilePath is deprecated for withDockerfile(Path), which reads the FROM line to pull its image first
    // and expects the Dockerfile at the top of the context; here it is docker/Dockerfile, as in the repository.
    @SuppressWarnings("deprecation")
    private static String build() {
        Path root = repository();
        Path jar = root.resolve("messaging-demo/target/messaging-demo.jar");
        assertThat(jar).as("the demo jar, which messaging-demo's package makes before this module's tests").exists();
        String base = System.getProperty("parley.base.image", LOCAL_BASE);
        if (!exists(base)) {
            assertThat(base).as("base image %s is missing; this test pulls none", base).isEqualTo(LOCAL_BASE);
            makeLocalBase(root);
        }
        String previous = imageId(NAME);
        long start = System.nanoTime();
        String name = new ImageFromDockerfile(NAME, false)
                .withDockerfilePath("docker/Dockerfile")
                .withFileFromPath("docker/Dockerfile", root.resolve("docker/Dockerfile"))
                .withFileFromPath("docker/data", root.resolve("docker/data"))
                .withFileFromPath("messaging-demo/target/messaging-demo.jar", jar)
                .withBuildArg("BASE_IMAGE", base)
                .get();
        System.err.printf("[messaging-it] built %s on %s in %d ms%n", name, base,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        removeUntagged(previous);
        return name;
    }

    private static boolean exists(String image) {
        return imageId(image) != null;
    }

    private static String imageId(String image) {
        try {
            return Docker.client().inspectImageCmd(image).exec().getId();
        } catch (NotFoundException e) {
            return null;
        }
    }

    /** The last run's image, which this run's build took the tag from: removed, unless a container still uses it. */
    private static void removeUntagged(String id) {
        if (id == null || id.equals(imageId(NAME))) {
            return;
        }
        try {
            Docker.client().removeImageCmd(id).withNoPrune(false).exec();
        } catch (RuntimeException e) {
            System.err.println("[messaging-it] kept the previous node image " + id + ": " + e.getMessage());
        }
    }

    private static void makeLocalBase(Path root) {
        Path script = root.resolve("docker/make-base-image.sh");
        assertThat(script).exists();
        System.err.println("[messaging-it] " + LOCAL_BASE + " is missing: running " + script);
        try {
            Process p = new ProcessBuilder("bash", script.toString(), LOCAL_BASE).inheritIO().start();
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("%s finished within 5 minutes", script).isTrue();
            assertThat(p.exitValue()).as("%s exit code", script).isZero();
        } catch (IOException e) {
            throw new AssertionError("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
