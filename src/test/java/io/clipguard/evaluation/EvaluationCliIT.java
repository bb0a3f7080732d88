package io.clipguard.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.policy.Policy;
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

        // 24 per label: 24 of 24 bound precision at 0.883, enough for 0.85 and not for 0.95.
        Cli.Run calibrate = Cli.run("policy", "calibrate", "--policy", "policies/demo-shapes.yaml", "--labels", labels.toString(),
                "--target-precision", "0.85", "--out", dir.resolve("cal").toString());
        assertThat(calibrate.exit()).as(calibrate.err()).isZero();
        assertThat(calibrate.out()).contains("precision >= 0.85").contains("draft: ");
        Policy draft = PolicyFiles.parse(Files.readString(dir.resolve("cal/policy-draft.yaml")), "draft");
        assertThat(draft.id()).isEqualTo("demo-shapes");
        assertThat(draft.calibration().method()).isEqualTo("isotonic");
        assertThat(draft.categories()).allSatisfy(c -> assertThat(c.calibration()).isNotNull());
        JsonNode calibration = new ObjectMapper().readTree(dir.resolve("cal/report.json").toFile());
        assertThat(calibration.at("/categories/0/precision/bound").asDouble()).isGreaterThanOrEqualTo(0.85);
        assertThat(calibration.at("/categories/0/precision/interval").size()).isEqualTo(2);

        Cli.Run unsupported = Cli.run("policy", "calibrate", "--policy", "policies/demo-shapes.yaml", "--labels", labels.toString(),
                "--target-precision", "0.95", "--out", dir.resolve("cal95").toString());
        assertThat(unsupported.exit()).isEqualTo(5);
        assertThat(unsupported.err()).startsWith("CALIBRATION_UNSUPPORTED").contains("more labelled positives");

        Cli.Run atPrevalence = Cli.run("policy", "calibrate", "--policy", "policies/demo-shapes.yaml", "--labels", labels.toString(),
                "--category-precision", "yellow-shape=0.5", "--prevalence", "yellow-shape=0.01", "--out", dir.resolve("calp").toString());
        assertThat(atPrevalence.out()).contains("precision >= 0.5 at prevalence 0.01");

        Cli.Run audit = Cli.run("audit-bias", "--policy", "policies/demo-shapes.yaml", "--labels", labels.toString(), "--groups",
                labels.resolve("groups.csv").toString(), "--min-images", "10", "--out", dir.resolve("bias").toString());
        assertThat(audit.exit()).as(audit.err()).isZero();
        assertThat(audit.out()).contains("Holm correction over 8 tests").contains("group=b");

        Cli.Run compared = Cli.run("evaluate", "--policy", "policies/demo-shapes.yaml", "--labels", labels.toString(), "--compare-policy",
                dir.resolve("cal/policy-draft.yaml").toString(), "--out", dir.resolve("cmp").toString());
        assertThat(compared.exit()).as(compared.err()).isZero();
        assertThat(compared.out()).contains("McNemar exact p");
        assertThat(new ObjectMapper().readTree(dir.resolve("cmp/report.json").toFile()).at("/comparison/categories/0/interval").size()).isEqualTo(2);

        Cli.Run noTarget = Cli.run("policy", "calibrate", "--policy", "policies/demo-shapes.yaml", "--labels", labels.toString());
        assertThat(noTarget.exit()).isEqualTo(2);
        assertThat(noTarget.err()).contains("INVALID_ARGUMENT").contains("give a target");
        Cli.Run wrongFolder = Cli.run("evaluate", "--policy", "policies/demo-shapes.yaml", "--labels", dir.toString());
        assertThat(wrongFolder.exit()).isEqualTo(2);
        assertThat(wrongFolder.err()).contains("not a category of the policy");
    }
}
