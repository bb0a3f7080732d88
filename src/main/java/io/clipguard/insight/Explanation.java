package io.clipguard.insight;

import io.clipguard.policy.Policy;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.CategoryScore;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.StoredDecision;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A decision as a person reads it: each category's probability against its threshold with
 * the prompts that define it, the rule that fired, and exactly which policy version and model
 * decided. Built from the stored decision and audit record plus the policy version they name
 * (the audit keeps the prompts hash, the policy topic keeps the prompts).
 *
 * @param policyText false when the policy version is no longer in the catalog (prompts unknown)
 */
public record Explanation(String contentId, String action, String rule, String triggeringCategory, List<Category> categories,
                          String policyId, int policyVersion, String policyHash, String promptsHash, boolean policyText,
                          List<String> templates, List<String> benign, String modelId, String modelDigest, String executionProvider,
                          double logitScale, String imageSha256, String imageSource, long endToEndMs, String traceId) {

    /** One category: where its probability stands against its threshold, and what it was looking for. */
    public record Category(String id, String name, double probability, double threshold, boolean triggered, double cosine,
                           List<String> prompts, List<String> exclusions) {
        /** How far above (positive) or below the threshold. */
        public double margin() {
            return probability - threshold;
        }
    }

    public static Explanation of(StoredDecision stored, Policy policy) {
        return of(stored.getDecision(), stored.getAudit(), policy);
    }

    /** The same from a decision alone when the audit record is not at hand (the review queue): no rule, image or provider facts. */
    public static Explanation of(ModerationDecision d, AuditRecord a, Policy policy) {
        Map<String, Policy.Category> defined = policy == null ? Map.of()
                : policy.categories().stream().collect(Collectors.toMap(Policy.Category::id, Function.identity()));
        List<Category> categories = d.getScores().stream().map((CategoryScore s) -> {
            Policy.Category c = defined.get(s.getCategory());
            return new Category(s.getCategory(), c == null ? s.getCategory() : c.name(), s.getProbability(), s.getThreshold(),
                    s.getTriggered(), s.getCosine(), c == null ? List.of() : c.prompts(), c == null ? List.of() : c.exclusions());
        }).sorted((x, y) -> Double.compare(y.probability(), x.probability())).toList();
        return new Explanation(d.getContentId(), d.getAction().name(), a == null ? null : a.getRule(), d.getTriggeringCategory(), categories,
                d.getPolicyId(), d.getPolicyVersion(), d.getPolicyHash(), a == null ? null : a.getPromptsHash(), policy != null,
                policy == null ? List.of() : policy.templates(), policy == null ? List.of() : policy.benign(), d.getModelId(), d.getModelDigest(),
                a == null ? null : a.getExecutionProvider(), a == null ? 0 : a.getLogitScale(), a == null ? null : a.getImage().getSha256(),
                a == null ? null : a.getImage().getSource(), d.getTimings().getEndToEndMs(), d.getTraceId());
    }
}
