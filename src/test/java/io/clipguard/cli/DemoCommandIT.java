package io.clipguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.testing.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code clipguard demo}: broker, service, demo model and policy, synthetic uploads, in one process. */
class DemoCommandIT {
    @TempDir
    Path dir;

    @Test
    void demoRunsTheWholePipelineOnAnEmbeddedBroker() {
        Path model = dir.resolve("model");
        assertThat(Cli.run("model", "demo", "--out", model.toString()).exit()).isZero();
        Cli.Run r = Cli.run("demo", "--model", model.toString(), "--events", "30", "--state-dir", dir.resolve("demo-state").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("(embedded KRaft)").contains("summary: 30 outputs").contains("unsent 0");
        long printed = r.out().lines().filter(l -> l.matches("^(ALLOW|REVIEW|BLOCK|DEAD) .*")).count();
        assertThat(printed).isEqualTo(30);
        // Every printed decision agrees with the scene that was drawn (the demo policy blocks red triangles, reviews yellow).
        r.out().lines().filter(l -> l.startsWith("BLOCK")).forEach(l -> assertThat(l).contains("red triangle"));
        r.out().lines().filter(l -> l.startsWith("REVIEW")).forEach(l -> assertThat(l).contains("yellow"));
    }
}
