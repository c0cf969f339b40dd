package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every public type, constructor, method and constant of the public API packages has a Javadoc comment
 * (the build's Javadoc run, in turn, fails on any comment that is broken).
 */
class PublicApiDocumentationTest {

    private static final Path ROOT = Path.of("src", "main", "java", "io", "parley", "messaging");
    private static final Pattern PUBLIC = Pattern.compile("^\\s*public\\s.*");

    @Test
    void everyPublicDeclarationOfTheApiHasAJavadocComment() throws IOException {
        List<String> undocumented = new ArrayList<>();
        for (Path dir : List.of(ROOT, ROOT.resolve("store"), ROOT.resolve("clock"))) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    undocumented.addAll(undocumented(file));
                }
            }
        }
        assertThat(undocumented).as("public declarations without a Javadoc comment").isEmpty();
    }

    private static List<String> undocumented(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!PUBLIC.matcher(lines.get(i)).matches()) {
                continue;
            }
            int j = i - 1;
            boolean overrides = false;
            while (j >= 0 && (lines.get(j).isBlank() || lines.get(j).trim().startsWith("@"))) {
                overrides |= lines.get(j).trim().startsWith("@Override");
                j--;
            }
            if (!overrides && (j < 0 || !lines.get(j).trim().endsWith("*/"))) {
                missing.add(file.getFileName() + ":" + (i + 1) + " " + lines.get(i).trim());
            }
        }
        return missing;
    }
}
