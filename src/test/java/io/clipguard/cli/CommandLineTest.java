package io.clipguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import com.fasterxml.jackson.databind.JsonNode;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.testing.Cli;
import io.clipguard.testing.Python;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sub-commands in-process through picocli, with the production error handler. */
class CommandLineTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path redTriangle;
    static Path blueCircle;

    static Cli.Run run(String... args) {
        return Cli.run(args);
    }

    @BeforeAll
    static void setUp() throws Exception {
        model = dir.resolve("model");
        assertThat(run("model", "demo", "--out", model.toString()).exit()).isZero();
        ShapeScenes scenes = new ShapeScenes(5);
        redTriangle = Files.write(dir.resolve("red-triangle.jpg"), scenes.draw("red", "triangle", 640, 480, true).bytes());
        blueCircle = Files.write(dir.resolve("blue-circle.png"), scenes.draw("blue", "circle", 300, 500, false).bytes());
    }

    @Test
    void benchEngineWithoutItsPhotographsSaysWhatIsMissingWithACode() {
        Cli.Run r = run("bench", "engine", "--photos", dir.resolve("no-photos").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("INVALID_ARGUMENT: no colour photographs in").contains("deploy/install-deps.sh")
                .doesNotContain("\tat ");
    }

    @Test
    void everyHelpTextRendersWithoutWarnings() {
        // picocli formats descriptions with String.format: a lone '%' prints a warning and the raw text.
        java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stderr = System.err;
        System.setErr(new java.io.PrintStream(warnings, true, java.nio.charset.StandardCharsets.UTF_8));
        int rendered = 0;
        try {
            java.util.ArrayDeque<picocli.CommandLine> todo = new java.util.ArrayDeque<>(List.of(new picocli.CommandLine(new ClipguardCommand())));
            while (!todo.isEmpty()) {
                picocli.CommandLine c = todo.pop();
                todo.addAll(c.getSubcommands().values());
                assertThat(c.getUsageMessage()).doesNotContain("%n");
                rendered++;
            }
        } finally {
            System.setErr(stderr);
        }
        assertThat(rendered).isGreaterThan(20);
        assertThat(warnings.toString(java.nio.charset.StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void embedPrintsOneNormalisedVectorPerImage() {
        Cli.Run r = run("embed", "--model", model.toString(), "--provider", "cpu", redTriangle.toString(), blueCircle.toString());
        assertThat(r.exit()).isZero();
        List<JsonNode> lines = r.jsonLines();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).get("path").asText()).isEqualTo(redTriangle.toString());
        assertThat(lines.get(0).get("dim").asInt()).isEqualTo(DemoModelGenerator.DIM);
        assertThat(lines.get(0).get("model").get("digest").asText()).startsWith("sha256:");
        double norm = 0;
        for (JsonNode x : lines.get(1).get("embedding")) {
            norm += x.asDouble() * x.asDouble();
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-4));
    }

    @Test
    void classifyScoresLabelsInTheGivenOrderWithTemplates() {
        Cli.Run r = run("classify", "--model", model.toString(), "--label", "blue circle", "--label", "red triangle",
                "--label", "green square", "--template", "a photo of a {}.", "--template", "a {}", redTriangle.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode line = r.jsonLines().get(0);
        assertThat(line.get("image").asText()).isEqualTo(redTriangle.toString());
        assertThat(line.get("model").get("id").asText()).isEqualTo(DemoModelGenerator.MODEL_ID);
        JsonNode scores = line.get("scores");
        assertThat(scores).hasSize(3);
        assertThat(scores.get(0).get("label").asText()).isEqualTo("blue circle");
        assertThat(scores.get(1).get("label").asText()).isEqualTo("red triangle");
        assertThat(scores.get(1).get("probability").asDouble()).isGreaterThan(0.9);
        assertThat(scores.get(1).get("cosine").asDouble()).isGreaterThan(scores.get(0).get("cosine").asDouble());
        double sum = 0;
        for (JsonNode s : scores) {
            sum += s.get("probability").asDouble();
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
    }

    @Test
    void preprocessWritesTheTensorAsNpy() throws Exception {
        Path npy = dir.resolve("t.npy");
        Cli.Run r = run("preprocess", "--model", model.toString(), "--image", blueCircle.toString(), "--out", npy.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"shape\":[1,3,224,224]").contains("\"decodePath\":\"full\"");
        float[] tensor = Python.readNpy(npy);
        assertThat(tensor).hasSize(3 * 224 * 224);
    }

    @Test
    void badInputsExitNonZeroWithACodeOnStderr() throws Exception {
        Path junk = Files.write(dir.resolve("junk.bin"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        Cli.Run bad = run("embed", "--model", model.toString(), junk.toString(), redTriangle.toString());
        assertThat(bad.exit()).isEqualTo(4);
        assertThat(bad.err()).contains("IMAGE_UNSUPPORTED_FORMAT: " + junk);
        assertThat(bad.jsonLines()).hasSize(1);

        Cli.Run missing = run("embed", "--model", model.toString(), dir.resolve("nope.jpg").toString());
        assertThat(missing.exit()).isEqualTo(5);
        assertThat(missing.err()).contains("FILE_NOT_FOUND");

        Cli.Run noModel = run("embed", "--model", dir.resolve("no-model").toString(), redTriangle.toString());
        assertThat(noModel.exit()).isEqualTo(3);
        assertThat(noModel.err()).startsWith("MODEL_INVALID: ").contains("does not exist");

        Cli.Run cuda = run("embed", "--model", model.toString(), "--provider", "cuda", redTriangle.toString());
        assertThat(cuda.exit()).isEqualTo(3);
        assertThat(cuda.err()).startsWith("PROVIDER_UNAVAILABLE: ");

        Cli.Run template = run("classify", "--model", model.toString(), "--label", "x", "--template", "no placeholder", redTriangle.toString());
        assertThat(template.exit()).isEqualTo(2);
        assertThat(template.err()).contains("INVALID_ARGUMENT").contains("{}");

        Cli.Run usage = run("classify", "--model", model.toString(), redTriangle.toString());
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.err()).contains("Missing required option: '--label=TEXT'");

        Cli.Run emptyImage = run("preprocess", "--model", model.toString(), "--image", Files.write(dir.resolve("empty.jpg"), new byte[0]).toString(),
                "--out", dir.resolve("x.npy").toString());
        assertThat(emptyImage.exit()).isEqualTo(4);
        assertThat(emptyImage.err()).startsWith("IMAGE_EMPTY: ");
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] args : new String[][] {{"--help"}, {"demo", "--help"}, {"model", "demo", "--help"}, {"model", "synth-vit", "--help"},
                {"embed", "--help"}, {"classify", "--help"}, {"preprocess", "--help"}, {"bench", "engine", "--help"}}) {
            Cli.Run r = run(args);
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("Usage:");
        }
    }
}
