package io.clipguard.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The measuring loop as a user runs it: labelled demo scenes, then evaluate, policy calibrate and audit-bias, with their reports. */
class EvaluationCliIT {
    @TempDir
    Path dir;

    @Test
    void evaluateCalibrateAndAuditFromTheCommandLine() throws Exception {
        Path labels = dir.resolve("labels");
        assertThat(Cli.run("model", "demo-labels", "--out", labels.toString(), "--per-label", "24").exit()).isZero();

        Cli.Run evaluate = Cli.run("evaluate", "--policy", "policies/demo-shapes.yaml", "--labels", labels.toString(), "--out",
                dir.resolve("eval").toString());
        assertThat(evaluate.exit()).as(evaluate.err()).isZero();
        assertThat(evaluate.out()).contains("red-triangle").contains("pr_auc");
        JsonNode report = new ObjectMapper().readTree(dir.resolve("eval/report.json").toFile());
        assertThat(report.get("images").asInt()).isEqualTo(24 * 3 + 6);
        assertThat(report.at("/categories/0/fn").asInt()).as("the mislabelled scenes").isGreaterThanOrEqualTo(6);
        assertThat(dir.resolve("eval/report.html")).exists();

        Cli.Run calibrate = Cli.run("policy", "calibrate", "--policy", "policies/demo-shapes.yaml", "--labels", labels.toString(),
                "--target-precision", "0.9", "--min-positives", "20", "--out", dir.resolve("cal").toString());
        assertThat(calibrate.exit()).as(calibrate.err()).isZero();
        assertThat(calibrate.out()).contains("precision >= 0.9").contains("draft: ");
        assertThat(PolicyFiles.parse(Files.readString(dir.resolve("cal/policy-draft.yaml")), "draft").id()).isEqualTo("demo-shapes");
        assertThat(new ObjectMapper().readTree(dir.resolve("cal/report.json").toFile()).at("/categories/0/precisionCi").size()).isEqualTo(2);

        Cli.Run audit = Cli.run("audit-bias", "--policy", "policies/demo-shapes.yaml", "--labels", labels.toString(), "--groups",
                labels.resolve("groups.csv").toString(), "--min-images", "10", "--out", dir.resolve("bias").toString());
        assertThat(audit.exit()).as(audit.err()).isZero();
        assertThat(audit.out()).contains("FLAGGED");

        Cli.Run noTarget = Cli.run("policy", "calibrate", "--policy", "policies/demo-shapes.yaml", "--labels", labels.toString());
        assertThat(noTarget.exit()).isEqualTo(2);
        assertThat(noTarget.err()).contains("INVALID_ARGUMENT").contains("give a target");
        Cli.Run wrongFolder = Cli.run("evaluate", "--policy", "policies/demo-shapes.yaml", "--labels", dir.toString());
        assertThat(wrongFolder.exit()).isEqualTo(2);
        assertThat(wrongFolder.err()).contains("not a category of the policy");
    }
}
