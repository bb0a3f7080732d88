package io.clipguard.clip;

import static org.assertj.core.api.Assertions.assertThat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decisions name the model by digest, and backtests find stored embeddings by it: the demo
 * model written by two separate processes (each with its own hash salt for Map.of) must be the
 * same bytes and the same digest, and the digest must cover every file scores depend on.
 */
class ModelReproducibilityIT {
    @TempDir
    Path dir;

    @Test
    void theDemoModelIsTheSameBytesFromEveryProcessAndItsDigestCoversItsConfigs() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        // Two JVMs (the launcher), each with its own hash salt: what differs between processes shows here.
        for (Path out : List.of(a, b)) {
            Process p = new ProcessBuilder("./clipguard", "model", "demo", "--out", out.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve(out.getFileName() + ".log").toFile()).start();
            assertThat(p.waitFor()).as(Files.readString(dir.resolve(out.getFileName() + ".log"))).isZero();
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(a)) {
            files = s.sorted().toList();
        }
        assertThat(files).extracting(f -> f.getFileName().toString()).contains("tokenizer.json", "preprocessor_config.json", "config.json");
        for (Path f : files) {
            assertThat(Files.readAllBytes(b.resolve(f.getFileName()))).as(f.getFileName().toString()).isEqualTo(Files.readAllBytes(f));
        }
        JsonNode infoA = new ObjectMapper().readTree(Cli.run("model", "info", "--model", a.toString(), "--provider", "cpu").out());
        JsonNode infoB = new ObjectMapper().readTree(Cli.run("model", "info", "--model", b.toString(), "--provider", "cpu").out());
        assertThat(infoA.get("digest")).isEqualTo(infoB.get("digest"));
        assertThat(infoA.get("logitScaleSource").asText()).isEqualTo("config.json logit_scale");
        assertThat(infoA.get("digestCovers").toString()).contains("preprocessor_config.json").contains("config.json").contains("tokenizer.json");

        // A changed preprocessing config changes the digest: it changes every score.
        Files.writeString(b.resolve("preprocessor_config.json"), Files.readString(b.resolve("preprocessor_config.json"))
                .replace("0.48145467", "0.5"));
        JsonNode changed = new ObjectMapper().readTree(Cli.run("model", "info", "--model", b.toString(), "--provider", "cpu").out());
        assertThat(changed.get("digest")).isNotEqualTo(infoA.get("digest"));
    }
}
