package io.clipguard.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.policy.StoredBacktest;
import io.clipguard.policy.catalog.PolicySwitch;
import io.clipguard.schema.PolicyChange;
import io.clipguard.schema.PolicyHead;
import io.clipguard.schema.PolicyVersion;
import java.time.Instant;
import java.util.List;

/**
 * What the policy API answers, as typed records (so the OpenAPI document describes each
 * response): the catalog's Avro records flattened to the fields a client reads.
 */
public final class PolicyViews {
    private PolicyViews() {
    }

    /** Which version a policy enforces, which one it shadows, and the last change of its head. */
    public record Head(String policyId, int activeVersion, Integer shadowVersion, String changedBy, Instant changedAt, String reason,
                       List<String> tenants) {
        static Head of(PolicyHead h) {
            return new Head(h.getPolicyId(), h.getActiveVersion(), h.getShadowVersion(), h.getChangedBy(), h.getChangedAt(), h.getReason(),
                    h.getTenants());
        }
    }

    /**
     * One version with its document, and the latest backtest attached to it while it was a draft
     * (null when none was run).
     */
    public record Version(String policyId, int version, String state, String yaml, String contentHash, String author, Instant createdAt,
                          String reason, Integer basedOn, String publishedBy, Instant publishedAt, String sourceFile, AttachedBacktest backtest) {
        static Version of(PolicyVersion v) {
            return of(v, null);
        }

        static Version of(PolicyVersion v, AttachedBacktest backtest) {
            return new Version(v.getPolicyId(), v.getVersion(), v.getState().name(), v.getYaml(), v.getContentHash(), v.getAuthor(),
                    v.getCreatedAt(), v.getReason(), v.getBasedOn(), v.getPublishedBy(), v.getPublishedAt(), v.getSourceFile(), backtest);
        }
    }

    /** A backtest attached to a draft when it was saved: who saved it (and ran it), when, the version it was compared with, and its summary. */
    public record AttachedBacktest(String ranBy, Instant at, Integer comparedWith, com.fasterxml.jackson.databind.JsonNode summary) {
    }

    /** Both views of a document the studio edits (YAML and form data) and the problems, each with its field path. */
    public record Document(String yaml, com.fasterxml.jackson.databind.JsonNode document, List<String> errors) {
    }

    /** One version in a history: everything but the document. */
    public record VersionSummary(String policyId, int version, String state, String contentHash, String author, Instant createdAt,
                                 String reason, Integer basedOn, String publishedBy, Instant publishedAt, String sourceFile) {
        static VersionSummary of(PolicyVersion v) {
            return new VersionSummary(v.getPolicyId(), v.getVersion(), v.getState().name(), v.getContentHash(), v.getAuthor(),
                    v.getCreatedAt(), v.getReason(), v.getBasedOn(), v.getPublishedBy(), v.getPublishedAt(), v.getSourceFile());
        }
    }

    /** One entry of the change log: who changed what, when, why, and the diff. */
    public record Change(String changeId, String policyId, String kind, Integer fromVersion, Integer toVersion, String author, Instant at,
                         String reason, String diff) {
        static Change of(PolicyChange c) {
            return new Change(c.getChangeId(), c.getPolicyId(), c.getKind().name(), c.getFromVersion(), c.getToVersion(), c.getAuthor(),
                    c.getAt(), c.getReason(), c.getDiff());
        }
    }

    /** A policy in the list: its head (null when never published), how many versions it has and the newest. */
    public record Summary(String policyId, Head head, int versions, int latestVersion) {
    }

    /** Every policy, and what this instance enforces. */
    public record Catalog(List<Summary> policies, PolicySwitch.Status enforcedHere, List<TenantPolicy> tenants) {
    }

    /**
     * A tenant mapped to a policy other than the default: what this instance enforces for it, and
     * why not the policy a head moved it to, when this instance cannot enforce that one.
     */
    public record TenantPolicy(String tenant, PolicySwitch.Status enforced, String refusedBecause) {
    }

    /** A policy's head and its versions, oldest first. */
    public record History(String policyId, Head head, List<VersionSummary> versions) {
    }

    /** The unified diff between two versions. */
    public record Diff(String policyId, int from, int to, String diff) {
    }

    /** A document that passed validation. */
    public record Validation(boolean valid, String policyId, int categories) {
    }

    /** A backtest job: its phase and counters and, when done, its report or error (each absent until then). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BacktestJob(String jobId, String policyId, int version, String requestedBy, Instant submittedAt, String state,
                              long recordsRead, long rowsScored, StoredBacktest.Report report,
                              java.util.Map<String, List<io.clipguard.evaluation.ThresholdCurve.Point>> curves, String error) {
    }

    /** A draft tried on one image, beside the version active now (null, with why, when there is none this instance can score). */
    public record Trial(String policyId, String contentId, String model, Outcome draft, Outcome active, String activeMissing) {
    }

    /** What a version decides for the image: the action, the rule that fired, and every category's score. */
    public record Outcome(Integer version, String action, String triggeringCategory, String rule, String uncalibratedBecause,
                          List<TrialScore> scores) {
        static Outcome of(Integer version, ScoringPolicy scoring, ScoringPolicy.Verdict v) {
            return new Outcome(version, v.action().name(), v.triggeringCategory(), v.rule(), scoring.uncalibratedBecause(),
                    v.scores().stream().map(s -> new TrialScore(s.category(), s.probability(), s.threshold(), s.triggered(), s.calibrated())).toList());
        }
    }

    /** One category's probability against its threshold. */
    public record TrialScore(String category, double probability, double threshold, boolean triggered, boolean calibrated) {
    }
}
