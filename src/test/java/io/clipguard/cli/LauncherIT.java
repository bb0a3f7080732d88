package io.clipguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged application through the {@code ./clipguard} launcher, as an operator runs it. */
class LauncherIT {
    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    Result clipguard(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("./clipguard"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("CLIPGUARD_MODEL_CACHE_DIR", dir.resolve("cache").toString());
        Path err = dir.resolve("stderr.txt");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out, Files.readString(err));
    }

    @Test
    void classifyAndErrorsThroughTheLauncher() throws Exception {
        Path image = Files.write(dir.resolve("yellow-square.png"), new ShapeScenes(9).draw("yellow", "square", 500, 400, false).bytes());
        Result ok = clipguard("classify", "--label", "a photo of a yellow square", "--label", "a photo of a red circle", image.toString());
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("\"label\":\"a photo of a yellow square\"").contains("clipguard/demo-shapes");
        assertThat(Files.isDirectory(dir.resolve("cache/models/demo-shapes"))).isTrue();

        Result missing = clipguard("embed", dir.resolve("missing.png").toString());
        assertThat(missing.exit()).isEqualTo(5);
        assertThat(missing.err()).contains("FILE_NOT_FOUND");
        assertThat(missing.out()).isEmpty();
    }
}
