package io.clipguard.insight;

import io.clipguard.policy.ScoringPolicy;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.CategoryScore;
import java.util.List;

/**
 * A decision scored again and compared with its audit record, category by category: the
 * answer of {@code clipguard explain}.
 *
 * @param rows    each audited category beside its score now (NaN when the category is gone)
 * @param largest the largest difference of any cosine or probability
 */
public record Reproduction(AuditRecord audit, ScoringPolicy.Verdict again, List<Row> rows, double largest) {

    /** One category: what the audit says and what scoring it again gives. */
    public record Row(String category, double cosine, double cosineAgain, double probability, double probabilityAgain, double threshold) {
    }

    /** Compares {@code again} with {@code audit}. */
    public static Reproduction of(AuditRecord audit, ScoringPolicy.Verdict again) {
        double largest = 0;
        List<Row> rows = new java.util.ArrayList<>();
        for (CategoryScore s : audit.getScores()) {
            ScoringPolicy.Score r = again.scores().stream().filter(x -> x.category().equals(s.getCategory())).findFirst().orElse(null);
            double cos = r == null ? Double.NaN : r.cosine();
            double p = r == null ? Double.NaN : r.probability();
            largest = Math.max(largest, Math.max(Math.abs(cos - s.getCosine()), Math.abs(p - s.getProbability())));
            rows.add(new Row(s.getCategory(), s.getCosine(), cos, s.getProbability(), p, s.getThreshold()));
        }
        return new Reproduction(audit, again, List.copyOf(rows), largest);
    }

    /** Every score and the action identical, bit for bit. */
    public boolean identical() {
        return largest == 0 && again.action().name().equals(audit.getAction().name()) && audit.getScores().size() == again.scores().size();
    }
}
