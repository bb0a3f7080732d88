package io.clipguard.policy;

import io.clipguard.schema.CategoryScore;
import io.clipguard.schema.ShadowDecision;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The comparison report for a shadow version: over every shadow decision recorded for it,
 * how often it agreed with the enforced version, the action pairs (enforced -> shadow),
 * and per category how many images each version triggered.
 */
public final class ShadowComparison {
    private long images;
    private long agreed;
    private final Map<String, Long> transitions = new TreeMap<>();
    private final Map<String, long[]> triggered = new LinkedHashMap<>();

    /** The report ({@code agreement} null before any image): {@code triggered} maps a category to {enforced, shadow, shadow - enforced}. */
    public record Report(String policyId, int shadowVersion, Integer activeVersion, long images, long agreed, Double agreement,
                         Map<String, Long> transitions, Map<String, long[]> triggered) {
    }

    public void add(ShadowDecision d) {
        images++;
        if (d.getActiveAction() == d.getShadowAction()) {
            agreed++;
        }
        transitions.merge(d.getActiveAction() + "->" + d.getShadowAction(), 1L, Long::sum);
        count(d.getActiveScores(), 0);
        count(d.getShadowScores(), 1);
    }

    private void count(java.util.List<CategoryScore> scores, int side) {
        for (CategoryScore s : scores) {
            long[] c = triggered.computeIfAbsent(s.getCategory(), k -> new long[3]);
            if (s.getTriggered()) {
                c[side]++;
            }
            c[2] = c[1] - c[0];
        }
    }

    public Report report(String policyId, int shadowVersion, Integer activeVersion) {
        return new Report(policyId, shadowVersion, activeVersion, images, agreed, images == 0 ? null : agreed / (double) images,
                transitions, triggered);
    }
}
