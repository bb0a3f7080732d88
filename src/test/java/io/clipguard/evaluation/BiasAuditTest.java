package io.clipguard.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The bias audit where the truth is known: groups that share one error rate, and one that does not. */
class BiasAuditTest {
    static final Policy TWO = PolicyFiles.parse("""
            schemaVersion: 2
            id: sim
            version: 1
            categories:
              - {id: a, action: block, threshold: 0.5, prompts: [x]}
              - {id: b, action: block, threshold: 0.5, prompts: [y]}
            benign: [z]
            """, "sim");
    static final BiasAudit.Settings SETTINGS = new BiasAudit.Settings(0, 0.05, "holm", 20);

    /** Per group: 150 images without each category and 60 with it; errors at fpr / fnr (group "g0" at its own fpr). */
    static List<Sample> population(int groups, double fpr, double fnr, double firstGroupFpr, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Sample> out = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            double groupFpr = g == 0 ? firstGroupFpr : fpr;
            for (String label : List.of("a", "b", "benign")) {
                int n = label.equals("benign") ? 150 : 60;
                for (int i = 0; i < n; i++) {
                    double pa = label.equals("a") ? (r.nextDouble() < fnr ? 0.1 : 0.9) : (r.nextDouble() < groupFpr ? 0.9 : 0.1);
                    double pb = label.equals("b") ? (r.nextDouble() < fnr ? 0.1 : 0.9) : (r.nextDouble() < groupFpr ? 0.9 : 0.1);
                    out.add(new Sample(g + "-" + label + "-" + i, label, Map.of("group", "g" + g), Map.of("a", pa, "b", pb), Map.of(),
                            "ALLOW", "none", 1.0));
                }
            }
        }
        return out;
    }

    @Test
    void groupsThatShareOneTrueRateAreFlaggedAtMostAtTheStatedRate() {
        int runs = 300;
        int anyFlag = 0;
        for (long seed = 1; seed <= runs; seed++) {
            BiasAudit.Report report = BiasAudit.audit(TWO, population(5, 0.1, 0.2, 0.1, seed), SETTINGS, false);
            assertThat(report.tests()).isEqualTo(2 * 5 * 2);
            if (report.flagged() > 0) {
                anyFlag++;
            }
        }
        double rate = (double) anyFlag / runs;
        System.out.printf("bias audit, one true rate: %d of %d audits flagged anything (family-wise rate %.3f, nominal 0.05)%n", anyFlag, runs, rate);
        // Holm controls the family-wise error at 0.05; 300 runs leave a binomial standard error of 0.0126.
        assertThat(rate).isLessThanOrEqualTo(0.05 + 3 * 0.0126);
    }

    @Test
    void aGroupWithATrulyHigherRateIsFlaggedAndNamed() {
        int flagged = 0;
        for (long seed = 1; seed <= 50; seed++) {
            BiasAudit.Report report = BiasAudit.audit(TWO, population(5, 0.05, 0.2, 0.25, seed), SETTINGS, false);
            boolean g0 = report.results().stream().anyMatch(t -> t.flagged() && t.group().equals("group=g0") && t.rate().startsWith("false-positive"));
            boolean others = report.results().stream().anyMatch(t -> t.flagged() && !t.group().equals("group=g0") && t.difference() > 0);
            if (g0 && !others) {
                flagged++;
            }
        }
        assertThat(flagged).isGreaterThanOrEqualTo(45);
    }

    @Test
    void smallGroupsAreNotTestedAndDetectableDifferencesAreStated() {
        List<Sample> samples = new ArrayList<>(population(3, 0.1, 0.2, 0.1, 9));
        samples.add(new Sample("lone", "benign", Map.of("group", "tiny"), Map.of("a", 0.9, "b", 0.1), Map.of(), "BLOCK", "a", 1.0));
        BiasAudit.Report report = BiasAudit.audit(TWO, samples, SETTINGS, false);
        assertThat(report.results()).filteredOn(t -> t.group().equals("group=tiny")).allSatisfy(t -> {
            assertThat(t.tested()).isFalse();
            assertThat(t.why()).contains("not tested");
        });
        assertThat(report.results()).filteredOn(BiasAudit.Test::tested).allSatisfy(t -> assertThat(t.detectable()).isBetween(0.0, 1.0));
    }

    @Test
    void severalAttributesGiveIntersectionalGroups() {
        List<Sample> samples = new ArrayList<>();
        for (Sample s : population(2, 0.1, 0.2, 0.1, 3)) {
            String age = s.image().hashCode() % 2 == 0 ? "young" : "old";
            samples.add(new Sample(s.image(), s.label(), Map.of("skin", s.attributes().get("group"), "age", age), s.probability(), s.margin(),
                    s.action(), s.outcome(), 1.0));
        }
        assertThat(BiasAudit.groups(samples, true).keySet()).contains("skin=g0", "age=old", "age=old & skin=g0", "age=young & skin=g1");
        assertThat(BiasAudit.groups(samples, false).keySet()).noneMatch(k -> k.contains("&"));
    }
}
