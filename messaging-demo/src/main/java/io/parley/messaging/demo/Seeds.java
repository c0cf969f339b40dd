package io.parley.messaging.demo;

import io.parley.messaging.NodeBuilder;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * {@code --seed HOST:PORT}: addresses to learn the cluster from.
 *
 * <p>A seam: seeds are the library's cluster membership, which the library this demo is built against may not have
 * yet. The builder is asked for {@code seed(String)} by reflection, so a build on a library with seeds uses them and a
 * build on one without says so in one sentence. When the library has seeds for good, a direct call to
 * {@code NodeBuilder.seed} replaces this class.
 */
final class Seeds {

    private Seeds() {
    }

    /**
     * Adds every seed to {@code builder}.
     *
     * @throws ParameterException if seeds are given and this library cannot use them
     */
    static void apply(NodeBuilder builder, List<Endpoint> seeds, CommandSpec spec) {
        if (seeds.isEmpty()) {
            return;
        }
        Method seed = seedMethod();
        if (seed == null) {
            throw new ParameterException(spec.commandLine(), "--seed needs a Parley library with cluster membership,"
                    + " which this build does not have yet; name each peer with --peer ID=HOST:PORT instead");
        }
        for (Endpoint s : seeds) {
            try {
                seed.invoke(builder, s.toString());
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                throw new ParameterException(spec.commandLine(), "--seed " + s + ": " + cause.getMessage());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("NodeBuilder.seed is not accessible", e);
            }
        }
    }

    /** Whether the library takes seeds. */
    static boolean supported() {
        return seedMethod() != null;
    }

    private static Method seedMethod() {
        try {
            return NodeBuilder.class.getMethod("seed", String.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
