package io.clipguard.policy.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.moderation.ClipScoring;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.schema.PolicyEntry;
import io.clipguard.schema.PolicyVersion;
import io.clipguard.testing.DemoPolicy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service checks the two-person rule itself, on every head it reads: a version written and
 * published by one person (as a client that skips the rule would write it) is refused, and the
 * instance keeps enforcing what it had and says why.
 */
class PublishRuleTest {
    static final String DEMO = DemoPolicy.yaml();
    final Map<String, PolicyEntry> log = new HashMap<>();

    /** A writer without the rule: what a client with write access to the topic can write. */
    PolicyWriter careless() {
        return new PolicyWriter((entries, change) -> log.putAll(entries), () -> PolicyCatalog.of(log), p -> { }, false, false,
                Clock.systemUTC(), Duration.ofSeconds(1));
    }

    @Test
    void onlyVersionsPublishedBySomeoneElseTheFirstOneOrFilesUnderTheFilesRuleAreEnforced() {
        PolicyWriter w = careless();
        w.applyFile(DEMO, "policies/demo-shapes.yaml", "file:ci");
        w.createDraft("demo-shapes", DEMO.replace("threshold: 0.5", "threshold: 0.6"), 1, "erin", "tighter");
        w.publish("demo-shapes", 2, "erin", "no one looked");
        w.createDraft("demo-shapes", DEMO.replace("threshold: 0.5", "threshold: 0.7"), 2, "erin", "tighter still");
        w.publish("demo-shapes", 3, "pat", "reviewed");
        w.applyFile(DEMO.replace("threshold: 0.5", "threshold: 0.8"), "policies/demo-shapes.yaml", "file:ci");
        PolicyCatalog c = PolicyCatalog.of(log);
        PublishRule rule = new PublishRule(true, false);
        assertThat(rule.violation(version(c, 1))).as("the first version").isNull();
        assertThat(rule.violation(version(c, 2))).contains("two-person rule").contains("erin");
        assertThat(rule.violation(version(c, 3))).isNull();
        assertThat(rule.violation(version(c, 4))).as("a file without the files rule").isNotNull();
        assertThat(new PublishRule(true, true).violation(version(c, 4))).isNull();
        assertThat(PublishRule.NONE.violation(version(c, 2))).isNull();
    }

    @Test
    void anInstanceRefusesAHeadNamingAnUnreviewedVersionAndKeepsWhatItEnforces(@TempDir Path dir) throws Exception {
        new DemoModelGenerator().write(dir, DemoModelGenerator.Layout.HUGGING_FACE);
        try (ClipEngine engine = ClipEngine.open(dir, EngineOptions.defaults().withProvider("cpu"))) {
            PolicySwitch service = new PolicySwitch(ClipScoring.prompts(engine), PolicyFiles.parse(DEMO, "demo"), ScoringPolicy.Mismatch.REFUSE,
                    new PublishRule(true, false));
            PolicyWriter w = careless();
            w.applyFile(DEMO, "policies/demo-shapes.yaml", "file:ci");
            service.policiesChanged(PolicyCatalog.of(log));
            assertThat(service.status().activeVersion()).isEqualTo(1);
            w.createDraft("demo-shapes", DEMO.replace("threshold: 0.5", "threshold: 0.9"), 1, "mallory", "quiet change");
            w.publish("demo-shapes", 2, "mallory", "quiet change");
            service.policiesChanged(PolicyCatalog.of(log));
            assertThat(service.status().activeVersion()).isEqualTo(1);
            assertThat(service.status().lastError()).contains("two-person rule").contains("mallory");
            assertThat(service.refusals()).isEqualTo(1);
            // A reviewed version is enforced.
            w.createDraft("demo-shapes", DEMO.replace("threshold: 0.5", "threshold: 0.6"), 1, "erin", "tighter");
            w.publish("demo-shapes", 3, "pat", "reviewed");
            service.policiesChanged(PolicyCatalog.of(log));
            assertThat(service.status().activeVersion()).isEqualTo(3);
            // A version rewritten after it was first read (v1 with other content, written over the original) is not.
            PolicyVersion v1 = version(PolicyCatalog.of(log), 1);
            log.put(PolicyCatalog.versionKey("demo-shapes", 1), new PolicyEntry(PolicyVersion.newBuilder(v1)
                    .setYaml(v1.getYaml().replace("threshold: 0.5", "threshold: 0.99")).build()));
            w.rollback("demo-shapes", 1, "pat", "back to the start");
            service.policiesChanged(PolicyCatalog.of(log));
            assertThat(service.status().activeVersion()).isEqualTo(3);
            assertThat(service.status().lastError()).contains("changed after this instance first read it");
        }
    }

    private static PolicyVersion version(PolicyCatalog c, int v) {
        return c.version("demo-shapes", v).orElseThrow();
    }
}
