package io.clipguard;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.config.ClipGuardConfig;
import io.clipguard.error.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The README's settings and error-code tables say what the code does, both ways. */
class ReadmeContractTest {
    static String readme;

    @BeforeAll
    static void read() throws IOException {
        readme = Files.readString(Path.of("README.md"));
    }

    @Test
    void everySettingIsInTheTableAndTheTableNamesNoOther() throws IOException {
        Map<String, String[]> rows = rows(section("Settings"), "`clipguard.");
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
    void everyErrorCodeIsInTheTableAndTheTableNamesNoOther() {
        Map<String, String[]> rows = rows(section("Error codes"), "`");
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
    void theReadmeShowsNoMachineSpecificPath() {
        assertThat(readme).doesNotContain("/work/").doesNotContain("/tmp/").doesNotContain("/home/").doesNotContain("/root/")
                .doesNotContain("../shared").doesNotContain("FACTS.md").doesNotContain("DESIGN.md").doesNotContain("STYLE.md");
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

    /** The text of one {@code ## heading} section. */
    static String section(String heading) {
        int start = readme.indexOf("\n## " + heading + "\n");
        assertThat(start).as("README section " + heading).isPositive();
        int end = readme.indexOf("\n## ", start + 4);
        return readme.substring(start, end < 0 ? readme.length() : end);
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
