package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public packages ({@code io.parley.messaging}, {@code .store}, {@code .clock}) do not depend on
 * {@code io.parley.messaging.internal}: the dependency goes from internal to public only, so internal code can change
 * without touching the API. (ArchUnit is not available; sources and reflection are enough for this one rule.)
 */
class PublicApiDependencyTest {

    private static final Path ROOT = Path.of("src", "main", "java", "io", "parley", "messaging");
    private static final String INTERNAL = "io.parley.messaging.internal";

    /** Files that may name internal types, with the reason. Their public signatures are still checked below. */
    private static final Map<String, String> ALLOWED = Map.of(
            "Node.java", "the node's wiring: it builds the internal parts and holds them in private fields",
            "NodeBuilder.java", "the node's wiring: it may hand internal settings to the node it builds");

    @Test
    void publicPackagesNameNoInternalTypeOutsideTheNodesWiring() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path file : publicSources()) {
            if (ALLOWED.containsKey(file.getFileName().toString()) && file.getParent().equals(ROOT)) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(INTERNAL)) {
                    found.add(ROOT.relativize(file) + ":" + (i + 1) + " " + lines.get(i).trim());
                }
            }
        }
        assertThat(found).as("references to internal packages from the public API").isEmpty();
    }

    @Test
    void noPublicSignatureOfThePublicPackagesNamesAnInternalType() throws Exception {
        List<String> found = new ArrayList<>();
        for (Path file : publicSources()) {
            String name = ROOT.relativize(file).toString().replace(".java", "").replace(file.getFileSystem().getSeparator(), ".");
            if (name.endsWith("package-info")) {
                continue;
            }
            exposed(Class.forName("io.parley.messaging." + name), found);
        }
        assertThat(found).as("public or protected members whose signature names an internal type").isEmpty();
    }

    private static List<Path> publicSources() throws IOException {
        List<Path> sources = new ArrayList<>();
        for (Path dir : List.of(ROOT, ROOT.resolve("store"), ROOT.resolve("clock"))) {
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(f -> f.toString().endsWith(".java")).sorted().forEach(sources::add);
            }
        }
        assertThat(sources).as("sources found under " + ROOT.toAbsolutePath()).hasSizeGreaterThan(10);
        return sources;
    }

    private static void exposed(Class<?> type, List<String> found) {
        if (!Modifier.isPublic(type.getModifiers())) {
            return;
        }
        check(type.getName() + " extends", type.getGenericSuperclass(), found);
        for (Type t : type.getGenericInterfaces()) {
            check(type.getName() + " implements", t, found);
        }
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            executable(type, c, found);
        }
        for (Method m : type.getDeclaredMethods()) {
            if (visible(m)) {
                check(type.getName() + "." + m.getName() + " returns", m.getGenericReturnType(), found);
            }
            executable(type, m, found);
        }
        for (Field f : type.getDeclaredFields()) {
            if (visible(f)) {
                check(type.getName() + "." + f.getName(), f.getGenericType(), found);
            }
        }
        for (Class<?> nested : type.getDeclaredClasses()) {
            exposed(nested, found);
        }
    }

    private static void executable(Class<?> type, Executable e, List<String> found) {
        if (!visible(e)) {
            return;
        }
        for (Type p : e.getGenericParameterTypes()) {
            check(type.getName() + "." + e.getName() + " takes", p, found);
        }
        for (Type x : e.getGenericExceptionTypes()) {
            check(type.getName() + "." + e.getName() + " throws", x, found);
        }
    }

    private static boolean visible(Member m) {
        return !m.isSynthetic() && (Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers()));
    }

    private static void check(String where, Type t, List<String> found) {
        if (t != null && t.getTypeName().contains(INTERNAL)) {
            found.add(where + " " + t.getTypeName());
        }
    }
}
