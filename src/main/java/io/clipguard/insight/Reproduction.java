package io.clipguard.insight;

import io.clipguard.policy.ScoringPolicy;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.CategoryScore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A decision scored again and compared with its audit record: the answer of
 * {@code clipguard explain}. The policy and prompts hashes are compared first (another document
 * or other prompt vectors would make any agreement of scores a coincidence); then every
 * category's cosine, margin and probability, and the action. Three answers:
 * {@link Answer#IDENTICAL} (bit for bit), {@link Answer#EQUIVALENT} (every score within
 * {@value #TOLERANCE} and the same action: what another execution provider, thread count, batch
 * or CPU instruction set gives, since floating-point sums run in another order) and
 * {@link Answer#DIFFERENT}, with the first field that differs.
 *
 * @param rows    each audited category beside its score now (NaN when the category is gone)
 * @param largest the largest difference of any cosine, margin or probability
 */
public record Reproduction(AuditRecord audit, ScoringPolicy.Verdict again, List<Row> rows, double largest, Answer answer,
                           String firstDifference) {
    /** Scores closer than this (in cosine, margin and probability) agree up to floating-point summation order. */
    public static final double TOLERANCE = 1e-5;

    /** What reproducing the decision showed. */
    public enum Answer {
        IDENTICAL, EQUIVALENT, DIFFERENT
    }

    /** One category: what the audit says and what scoring it again gives. */
    public record Row(String category, double cosine, double cosineAgain, double probability, double probabilityAgain, double threshold) {
    }

    /** Compares the decision scored again by {@code scoring} ({@code again}) with {@code audit}. */
    public static Reproduction of(AuditRecord audit, ScoringPolicy scoring, ScoringPolicy.Verdict again) {
        if (!scoring.policyHash().equals(audit.getPolicyHash())) {
            return new Reproduction(audit, again, List.of(), Double.NaN, Answer.DIFFERENT, "policyHash: the audit names " + audit.getPolicyHash()
                    + ", the policy version read now hashes to " + scoring.policyHash());
        }
        if (!scoring.promptsHash().equals(audit.getPromptsHash())) {
            return new Reproduction(audit, again, List.of(), Double.NaN, Answer.DIFFERENT, "promptsHash: the audit names " + audit.getPromptsHash()
                    + ", the prompt vectors embedded now hash to " + scoring.promptsHash());
        }
        double largest = 0;
        String firstAny = audit.getScores().size() == again.scores().size() ? null
                : "scores: the audit has " + audit.getScores().size() + " categories, now " + again.scores().size();
        String firstBeyond = firstAny;
        List<Row> rows = new ArrayList<>();
        for (CategoryScore s : audit.getScores()) {
            ScoringPolicy.Score r = again.scores().stream().filter(x -> x.category().equals(s.getCategory())).findFirst().orElse(null);
            double cos = r == null ? Double.NaN : r.cosine();
            double p = r == null ? Double.NaN : r.probability();
            rows.add(new Row(s.getCategory(), s.getCosine(), cos, s.getProbability(), p, s.getThreshold()));
            double marginThen = s.getMargin() == null ? 0 : s.getMargin();
            double marginNow = s.getMargin() == null || r == null ? 0 : r.margin();
            double[][] pairs = {{s.getCosine(), cos}, {marginThen, marginNow}, {s.getProbability(), p}};
            String[] names = {"cosine", "margin", "probability"};
            for (int k = 0; k < pairs.length; k++) {
                double d = Math.abs(pairs[k][0] - pairs[k][1]);
                if (d == 0) {
                    continue;
                }
                String field = String.format(Locale.ROOT, "scores[%s].%s: %.9g then, %.9g now", s.getCategory(), names[k], pairs[k][0], pairs[k][1]);
                firstAny = firstAny == null ? field : firstAny;
                if ((Double.isNaN(d) || d > TOLERANCE) && firstBeyond == null) {
                    firstBeyond = field;
                }
                largest = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(largest, d);
            }
        }
        if (!again.action().name().equals(audit.getAction().name())) {
            return new Reproduction(audit, again, List.copyOf(rows), largest, Answer.DIFFERENT, "action: " + audit.getAction() + " then, "
                    + again.action() + " now" + (firstBeyond == null ? "" : " (" + firstBeyond + ")"));
        }
        if (firstBeyond != null) {
            return new Reproduction(audit, again, List.copyOf(rows), largest, Answer.DIFFERENT, firstBeyond);
        }
        return new Reproduction(audit, again, List.copyOf(rows), largest, firstAny == null ? Answer.IDENTICAL : Answer.EQUIVALENT, firstAny);
    }

    /** Every score and the action identical, bit for bit. */
    public boolean identical() {
        return answer == Answer.IDENTICAL;
    }
}
