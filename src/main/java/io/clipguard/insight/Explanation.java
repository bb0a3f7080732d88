package io.clipguard.insight;

import io.clipguard.policy.Policy;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.BankMatch;
import io.clipguard.schema.CategoryScore;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.StoredDecision;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A decision as a person reads it: each category's probability against its threshold (and
 * whether that probability is calibrated) with the prompts that define it, the rule that fired,
 * why it was queued for review, and exactly which policy version and model decided. Built from
 * the stored decision and audit record plus the policy version they name (the audit keeps the
 * prompts hash, the policy topic keeps the prompts). A blind explanation (blind review) keeps
 * the categories and their prompts and leaves out everything the model said.
 *
 * @param policyText false when the policy version is no longer in the catalog (prompts unknown)
 * @param scoring    {@code independent} (policy schema 2) or {@code shared softmax} (schema 1)
 * @param banks      the bank entries the upload matched, in words ({@code known-bad entry 58f1...: PDQ distance 12 <= 31 (ROTATE_90)})
 */
public record Explanation(String contentId, String action, String rule, String triggeringCategory, List<Category> categories,
                          String policyId, int policyVersion, String policyHash, String promptsHash, boolean policyText, String scoring,
                          List<String> templates, List<String> benign, String modelId, String modelDigest, String executionProvider,
                          double logitScale, String imageSha256, String imageSource, long endToEndMs, String traceId, String reviewReason,
                          Double reviewProbability, boolean blind, List<String> banks) {

    /**
     * One category: where its probability stands against its threshold, and what it was looking
     * for. {@code margin} is the category's logit over its competitors' (schema 2). The model's
     * numbers are null in a blind explanation.
     */
    public record Category(String id, String name, Double probability, Double threshold, Boolean triggered, Double cosine, Double margin,
                           Boolean calibrated, List<String> prompts, List<String> exclusions) {
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
                    s.getTriggered(), s.getCosine(), s.getMargin(), s.getCalibrated(), c == null ? List.of() : c.prompts(),
                    c == null ? List.of() : c.exclusions());
        }).sorted((x, y) -> Double.compare(y.probability(), x.probability())).toList();
        return new Explanation(d.getContentId(), d.getAction().name(), a == null ? null : a.getRule(), d.getTriggeringCategory(), categories,
                d.getPolicyId(), d.getPolicyVersion(), d.getPolicyHash(), a == null ? null : a.getPromptsHash(), policy != null,
                policy == null ? null : policy.independent() ? "independent" : "shared softmax",
                policy == null ? List.of() : policy.templates(), policy == null ? List.of() : policy.benign(), d.getModelId(), d.getModelDigest(),
                a == null ? null : a.getExecutionProvider(), a == null ? 0 : a.getLogitScale(), a == null ? null : a.getImage().getSha256(),
                a == null ? null : a.getImage().getSource(), d.getTimings().getEndToEndMs(), d.getTraceId(),
                d.getReview() == null ? null : d.getReview().getReason(), d.getReview() == null ? null : d.getReview().getProbability(), false,
                d.getBankMatches().stream().map(Explanation::describe).toList());
    }

    /** What a blind reviewer sees: the categories (by id, not by score) and their prompts, none of the model's numbers or its action. */
    public Explanation forBlindReview() {
        List<Category> plain = categories.stream().map(c -> new Category(c.id(), c.name(), null, null, null, null, null, null, c.prompts(),
                c.exclusions())).sorted((x, y) -> x.id().compareTo(y.id())).toList();
        return new Explanation(contentId, null, null, null, plain, policyId, policyVersion, policyHash, promptsHash, policyText, scoring,
                templates, benign, modelId, modelDigest, null, 0, null, null, 0, null, null, null, true, List.of());
    }

    /** A bank match in words. */
    static String describe(BankMatch m) {
        String how = m.getDistance() != null
                ? String.format(Locale.ROOT, "PDQ distance %d <= %d%s", m.getDistance(), m.getMaxDistance(),
                        m.getVariant() == null || m.getVariant().equals("ORIGINAL") ? "" : " (" + m.getVariant() + ")")
                : String.format(Locale.ROOT, "embedding similarity %.4f >= %.4f", m.getSimilarity(), m.getMinSimilarity());
        return (m.getNegative() ? "negative bank " : "") + m.getBank() + " entry " + m.getEntry() + ": " + how;
    }
}
