package io.clipguard.policy.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.schema.PolicyChange;
import io.clipguard.schema.PolicyChangeKind;
import io.clipguard.schema.PolicyEntry;
import io.clipguard.schema.PolicyHead;
import io.clipguard.schema.PolicyState;
import io.clipguard.schema.PolicyVersion;
import io.clipguard.testing.DemoPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The policy commands' rules, against an in-memory log (the Kafka path is covered by PolicyHotReloadTest). */
class PolicyWriterTest {
    static final String DEMO = DemoPolicy.yaml();

    private final Map<String, PolicyEntry> log = new HashMap<>();
    private final List<PolicyChange> changes = new ArrayList<>();
    private final PolicyPublisher publisher = (entries, change) -> {
        log.putAll(entries);
        changes.add(change);
    };

    private PolicyWriter writer(boolean twoPerson) {
        return writer(twoPerson, false);
    }

    private PolicyWriter writer(boolean twoPerson, boolean filesRule) {
        return new PolicyWriter(publisher, () -> PolicyCatalog.of(log), p -> {
            if ("other/model".equals(p.model())) {
                throw new ClipGuardException(ErrorCode.POLICY_MODEL_MISMATCH, "calibrated for other/model", List.of("model mismatch"));
            }
        }, twoPerson, filesRule, Clock.systemUTC(), Duration.ofSeconds(1));
    }

    static PolicyWriter.FileApplied published(int version) {
        return new PolicyWriter.FileApplied("demo-shapes", PolicyWriter.FileApplied.Result.PUBLISHED, version);
    }

    static final PolicyWriter.FileApplied UNCHANGED = new PolicyWriter.FileApplied("demo-shapes", PolicyWriter.FileApplied.Result.UNCHANGED,
            null);

    @Test
    void filesAreAppliedOnlyWhenTheirContentChanges() {
        PolicyWriter w = writer(false);
        assertThat(w.applyFile(DEMO, "policies/demo-shapes.yaml", "file:x")).isEqualTo(published(1));
        assertThat(w.applyFile(DEMO, "policies/demo-shapes.yaml", "file:x")).isEqualTo(UNCHANGED);
        // The version number in the file does not count as content.
        assertThat(w.applyFile(DEMO.replace("version: 1", "version: 7"), "f", "file:x")).isEqualTo(UNCHANGED);
        assertThat(w.applyFile(DEMO.replace("threshold: 0.5", "threshold: 0.6"), "f", "file:x")).isEqualTo(published(2));
        assertThat(PolicyCatalog.of(log).version("demo-shapes", 2).orElseThrow().getYaml()).contains("version: 2").contains("threshold: 0.6");
        assertThat(changes).extracting(PolicyChange::getKind).containsExactly(PolicyChangeKind.PUBLISHED, PolicyChangeKind.PUBLISHED);
        assertThat(changes.get(1).getDiff()).contains("-    threshold: 0.5").contains("+    threshold: 0.6").contains("-version: 1");
    }

    @Test
    void draftsArePublishedRolledBackAndRecordedWithAuthorReasonAndDiff() {
        PolicyWriter w = writer(false);
        w.applyFile(DEMO, "policies/demo-shapes.yaml", "file:x");
        PolicyVersion draft = w.createDraft("demo-shapes", DEMO.replace("threshold: 0.5", "threshold: 0.7"), 1, "erin", "fewer blocks");
        assertThat(draft.getVersion()).isEqualTo(2);
        assertThat(draft.getState()).isEqualTo(PolicyState.DRAFT);
        assertThat(PolicyCatalog.of(log).head("demo-shapes").orElseThrow().getActiveVersion()).as("a draft is not enforced").isEqualTo(1);

        PolicyHead head = w.publish("demo-shapes", 2, "pat", "reviewed");
        assertThat(head.getActiveVersion()).isEqualTo(2);
        assertThat(head.getChangedBy()).isEqualTo("pat");
        PolicyVersion published = PolicyCatalog.of(log).version("demo-shapes", 2).orElseThrow();
        assertThat(published.getState()).isEqualTo(PolicyState.PUBLISHED);
        assertThat(published.getAuthor()).isEqualTo("erin");
        assertThat(published.getPublishedBy()).isEqualTo("pat");

        assertThatThrownBy(() -> w.publish("demo-shapes", 2, "pat", "again")).isInstanceOfSatisfying(ClipGuardException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_A_DRAFT));
        assertThatThrownBy(() -> w.rollback("demo-shapes", 2, "pat", "no-op")).isInstanceOfSatisfying(ClipGuardException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_ACTIVE));
        assertThat(w.rollback("demo-shapes", 1, "pat", "too many misses").getActiveVersion()).isEqualTo(1);

        PolicyChange rollback = changes.get(changes.size() - 1);
        assertThat(rollback.getKind()).isEqualTo(PolicyChangeKind.ROLLED_BACK);
        assertThat(rollback.getFromVersion()).isEqualTo(2);
        assertThat(rollback.getToVersion()).isEqualTo(1);
        assertThat(rollback.getAuthor()).isEqualTo("pat");
        assertThat(rollback.getReason()).isEqualTo("too many misses");
        assertThat(rollback.getDiff()).contains("-    threshold: 0.7").contains("+    threshold: 0.5");
        PolicyChange created = changes.get(1);
        assertThat(created.getKind()).isEqualTo(PolicyChangeKind.DRAFT_CREATED);
        assertThat(created.getAuthor()).isEqualTo("erin");
    }

    @Test
    void theTwoPersonRuleStopsAuthorsPublishingTheirOwnDrafts() {
        PolicyWriter w = writer(true);
        w.applyFile(DEMO, "policies/demo-shapes.yaml", "file:x");
        w.createDraft("demo-shapes", DEMO.replace("threshold: 0.5", "threshold: 0.7"), 1, "erin", "tune");
        assertThatThrownBy(() -> w.publish("demo-shapes", 2, "erin", "mine")).isInstanceOfSatisfying(ClipGuardException.class,
                e -> {
                    assertThat(e.code().httpStatus()).isEqualTo(403);
                    assertThat(e.code()).isEqualTo(ErrorCode.TWO_PERSON_RULE);
                });
        assertThat(w.publish("demo-shapes", 2, "pat", "second pair of eyes").getActiveVersion()).isEqualTo(2);
    }

    @Test
    void invalidDocumentsAndModelMismatchesAreRefusedWithFieldPaths() {
        PolicyWriter w = writer(false);
        w.applyFile(DEMO, "policies/demo-shapes.yaml", "file:x");
        assertThatThrownBy(() -> w.createDraft("demo-shapes", DEMO.replace("threshold: 0.5", "threshold: 1.5"), null, "erin", "x"))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> {
                    assertThat(e.code().httpStatus()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo(ErrorCode.POLICY_INVALID);
                    assertThat(e.errors()).anySatisfy(m -> assertThat(m).startsWith("$.categories[0].threshold"));
                });
        assertThatThrownBy(() -> w.createDraft("other-id", DEMO, null, "erin", "x"))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.errors()).anySatisfy(m -> assertThat(m).startsWith("$.id")));
        w.createDraft("demo-shapes", DEMO.replace("model: clipguard/demo-shapes", "model: other/model"), null, "erin", "other model");
        assertThatThrownBy(() -> w.publish("demo-shapes", 2, "pat", "x")).isInstanceOfSatisfying(ClipGuardException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.POLICY_MODEL_MISMATCH));
        assertThat(PolicyCatalog.of(log).head("demo-shapes").orElseThrow().getActiveVersion()).isEqualTo(1);
    }

    @Test
    void shadowRunsBesideTheActiveVersionUntilStoppedOrPublished() {
        PolicyWriter w = writer(false);
        w.applyFile(DEMO, "policies/demo-shapes.yaml", "file:x");
        w.createDraft("demo-shapes", DEMO.replace("threshold: 0.5", "threshold: 0.7"), 1, "erin", "tune");
        PolicyHead shadowed = w.shadow("demo-shapes", 2, "pat", "try it");
        assertThat(shadowed.getActiveVersion()).isEqualTo(1);
        assertThat(shadowed.getShadowVersion()).isEqualTo(2);
        assertThat(w.stopShadow("demo-shapes", "pat", "seen enough").getShadowVersion()).isNull();
        w.shadow("demo-shapes", 2, "pat", "again");
        PolicyHead published = w.publish("demo-shapes", 2, "pat", "looks right");
        assertThat(published.getActiveVersion()).isEqualTo(2);
        assertThat(published.getShadowVersion()).as("publishing the shadow version ends the shadow").isNull();
    }

    @Test
    void unifiedDiffShowsOnlyChangedHunksWithContext() {
        String a = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
        String b = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n";
        assertThat(TextDiff.unified(a, b, "v1", "v2")).isEqualTo("""
                --- v1
                +++ v2
                @@ -1,5 +1,5 @@
                 a
                -b
                +B
                 c
                 d
                 e
                @@ -10,3 +10,4 @@
                 j
                 k
                 l
                +m
                """);
        assertThat(TextDiff.unified(a, a, "v1", "v1")).isEmpty();
    }

    @Test
    void aRestartDoesNotUndoWhatStaffPublishedSinceTheFileWasApplied() {
        PolicyWriter w = writer(false);
        assertThat(w.applyFile(DEMO, "policies/demo-shapes.yaml", "file:policies/demo-shapes.yaml")).isEqualTo(published(1));
        w.createDraft("demo-shapes", DEMO.replace("threshold: 0.5", "threshold: 0.8"), 1, "erin", "fewer false positives");
        w.publish("demo-shapes", 2, "pat", "agreed");
        // Restart: the unchanged file is not applied again over v2.
        assertThat(w.applyFile(DEMO, "policies/demo-shapes.yaml", "file:policies/demo-shapes.yaml")).isEqualTo(UNCHANGED);
        assertThat(PolicyCatalog.of(log).head("demo-shapes").orElseThrow().getActiveVersion()).isEqualTo(2);
        // An edited file is a new decision: it is applied.
        assertThat(w.applyFile(DEMO.replace("threshold: 0.5", "threshold: 0.55"), "policies/demo-shapes.yaml", "file:policies/demo-shapes.yaml"))
                .isEqualTo(published(3));
        assertThat(PolicyCatalog.of(log).version("demo-shapes", 3).orElseThrow().getSourceFile()).isEqualTo("policies/demo-shapes.yaml");
    }

    @Test
    void underTheTwoPersonRuleAChangedFileIsADraftUnlessFilesRule() {
        PolicyWriter strict = writer(true);
        assertThat(strict.applyFile(DEMO, "p.yaml", "file:p.yaml")).as("nothing enforced yet: the file is the policy").isEqualTo(published(1));
        String tuned = DEMO.replace("threshold: 0.5", "threshold: 0.6");
        assertThat(strict.applyFile(tuned, "p.yaml", "file:p.yaml"))
                .isEqualTo(new PolicyWriter.FileApplied("demo-shapes", PolicyWriter.FileApplied.Result.DRAFTED, 2));
        assertThat(PolicyCatalog.of(log).head("demo-shapes").orElseThrow().getActiveVersion()).isEqualTo(1);
        assertThat(strict.applyFile(tuned, "p.yaml", "file:p.yaml")).as("the same file again: no second draft").isEqualTo(UNCHANGED);
        assertThat(strict.publish("demo-shapes", 2, "pat", "reviewed").getActiveVersion()).isEqualTo(2);
        assertThat(changes).extracting(PolicyChange::getKind)
                .containsExactly(PolicyChangeKind.PUBLISHED, PolicyChangeKind.DRAFT_CREATED, PolicyChangeKind.PUBLISHED);
        PolicyWriter gitops = writer(true, true);
        assertThat(gitops.applyFile(DEMO.replace("threshold: 0.5", "threshold: 0.7"), "p.yaml", "file:p.yaml")).isEqualTo(published(3));
    }
}
