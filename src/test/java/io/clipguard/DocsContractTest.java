package io.clipguard;

import static org.assertj.core.api.Assertions.assertThat;

import io.clipguard.config.ClipGuardConfig;
import io.clipguard.error.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and docs/ say what the code does: the settings and error-code tables equal the
 * code both ways, the README stays a guide (short, the two commands first, every package in its
 * map), and every link between the documents reaches a file and a heading that exist.
 */
class DocsContractTest {
    static final Path README = Path.of("README.md");
    static final Path OPERATORS = Path.of("docs/operators.md");
    static final Path INTEGRATORS = Path.of("docs/integrators.md");

    @Test
    void everySettingIsInTheTableAndTheTableNamesNoOther() throws IOException {
        Map<String, String[]> rows = rows(section(OPERATORS, "Settings"), "`clipguard.");
        Properties defaults = new Properties();
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("application.properties")) {
            defaults.load(in);
        }
        assertThat(new TreeSet<>(rows.keySet())).isEqualTo(new TreeSet<>(settings(ClipGuardConfig.class, "clipguard")));
        rows.forEach((name, cells) -> {
            assertThat(cells[1]).as("environment form of " + name)
                    .isEqualTo("`" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_') + "`");
            String value = defaults.getProperty(name);
            if (value != null) {
                assertThat(cells[2]).as("default of " + name).isEqualTo("`" + value + "`");
            } else {
                assertThat(cells[2]).as("a setting without a default says what applies").doesNotStartWith("`").isNotBlank();
            }
            assertThat(cells[3]).as("meaning of " + name).isNotBlank();
        });
    }

    @Test
    void everyErrorCodeIsInTheTableAndTheTableNamesNoOther() throws IOException {
        Map<String, String[]> rows = rows(section(INTEGRATORS, "Error codes"), "`");
        assertThat(new TreeSet<>(rows.keySet())).isEqualTo(new TreeSet<>(Arrays.stream(ErrorCode.values()).map(Enum::name).toList()));
        for (ErrorCode code : ErrorCode.values()) {
            String[] cells = rows.get(code.name());
            assertThat(cells[1]).as("exit of " + code).isEqualTo(String.valueOf(code.exitStatus()));
            assertThat(cells[2]).as("HTTP status of " + code).isEqualTo(String.valueOf(code.httpStatus()));
            assertThat(cells[3]).as("retryable " + code).isEqualTo(code.retryable() ? "yes" : "no");
            assertThat(cells[4]).as("meaning of " + code).isEqualTo(code.meaning());
        }
    }

    @Test
    void theReadmeIsAGuideWithTheTwoCommandsFirst() throws IOException {
        String readme = Files.readString(README);
        assertThat(readme.lines().count()).as("README lines").isLessThanOrEqualTo(300);
        int commands = readme.indexOf("\n## Two commands\n");
        assertThat(commands).isPositive();
        assertThat(readme.indexOf("\n## ")).as("the two commands are the first section").isEqualTo(commands);
        assertThat(readme).contains("./clipguard demo").contains("mvn -B verify");
    }

    @Test
    void theReadmeMapNamesEveryPackageAndNoOther() throws IOException {
        String map = section(README, "The house");
        Path root = Path.of("src/main/java/io/clipguard");
        List<String> packages = new ArrayList<>();
        try (Stream<Path> dirs = Files.walk(root)) {
            dirs.filter(Files::isDirectory).filter(d -> hasJava(d)).forEach(d -> packages.add(root.relativize(d).toString().replace('/', '.')));
        }
        try (Stream<Path> dirs = Files.walk(Path.of("loadtest/src/main/java/io/clipguard"))) {
            dirs.filter(Files::isDirectory).filter(d -> hasJava(d)).forEach(d ->
                    packages.add(Path.of("loadtest/src/main/java/io/clipguard").relativize(d).toString().replace('/', '.')));
        }
        for (String p : packages) {
            String top = p.contains(".") ? p.substring(0, p.indexOf('.')) : p;
            String last = p.contains(".") ? p.substring(p.lastIndexOf('.')) : p;
            assertThat(map.contains("`" + p + "`") || (map.contains("`" + top + "`") && map.contains("`" + last + "`")))
                    .as("the README's map names package " + p).isTrue();
        }
        Matcher named = Pattern.compile("^\\| `([a-z.]+)`", Pattern.MULTILINE).matcher(map);
        while (named.find()) {
            assertThat(Files.isDirectory(root.resolve(named.group(1).replace('.', '/')))).as("package " + named.group(1) + " exists").isTrue();
        }
    }

    @Test
    void everyLinkBetweenTheDocumentsReachesAFileAndAHeading() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(README));
        try (Stream<Path> s = Files.list(Path.of("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).forEach(docs::add);
        }
        Pattern link = Pattern.compile("\\]\\(([^)#\\s]*)(#[^)\\s]+)?\\)");
        for (Path doc : docs) {
            Matcher m = link.matcher(Files.readString(doc));
            while (m.find()) {
                String file = m.group(1);
                if (file.startsWith("http")) {
                    continue;
                }
                Path target = file.isEmpty() ? doc : doc.getParent() == null ? Path.of(file) : doc.getParent().resolve(file).normalize();
                assertThat(Files.exists(target)).as(doc + " links to " + file).isTrue();
                if (m.group(2) != null) {
                    assertThat(anchors(target)).as(doc + " links to " + m.group(0)).contains(m.group(2).substring(1));
                }
            }
        }
    }

    @Test
    void theDocumentsShowNoMachineSpecificPath() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(README));
        try (Stream<Path> s = Files.list(Path.of("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).forEach(docs::add);
        }
        for (Path doc : docs) {
            assertThat(Files.readString(doc)).as(doc.toString()).doesNotContain("/work/").doesNotContain("/tmp/").doesNotContain("/home/")
                    .doesNotContain("/root/").doesNotContain("../shared").doesNotContain("FACTS.md").doesNotContain("DESIGN.md")
                    .doesNotContain("STYLE.md");
        }
    }

    private static boolean hasJava(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(f -> f.toString().endsWith(".java"));
        } catch (IOException e) {
            return false;
        }
    }

    /** GitHub's anchors of a Markdown file's headings. */
    static List<String> anchors(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        if (!file.toString().endsWith(".md")) {
            return out;
        }
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("#")) {
                String text = line.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT);
                out.add(text.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        return out;
    }

    /** The mapped setting names, as SmallRye names them (kebab case). */
    static TreeSet<String> settings(Class<?> group, String prefix) {
        TreeSet<String> out = new TreeSet<>();
        for (Method m : group.getDeclaredMethods()) {
            String name = prefix + "." + m.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
            if (m.getReturnType().isInterface() && m.getReturnType().getEnclosingClass() == ClipGuardConfig.class) {
                out.addAll(settings(m.getReturnType(), name));
            } else {
                out.add(name);
            }
        }
        return out;
    }

    /** The text of one {@code ## heading} section of {@code file}. */
    static String section(Path file, String heading) throws IOException {
        String text = Files.readString(file);
        int start = text.indexOf("\n## " + heading + "\n");
        assertThat(start).as(file + " section " + heading).isPositive();
        int end = text.indexOf("\n## ", start + 4);
        return text.substring(start, end < 0 ? text.length() : end);
    }

    /** Table rows whose first cell starts with {@code marker}, by that cell's code text. */
    static Map<String, String[]> rows(String section, String marker) {
        Map<String, String[]> out = new LinkedHashMap<>();
        for (String line : section.lines().toList()) {
            if (line.startsWith("| " + marker)) {
                String[] cells = Arrays.stream(line.substring(1, line.length() - 1).split(" \\| ")).map(String::strip).toArray(String[]::new);
                String key = cells[0].replace("`", "");
                assertThat(out.put(key, cells)).as("one row for " + key).isNull();
            }
        }
        return out;
    }
}
