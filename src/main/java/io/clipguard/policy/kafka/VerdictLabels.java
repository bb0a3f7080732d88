package io.clipguard.policy.kafka;

import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicReader;
import io.clipguard.policy.StoredBacktest;
import io.clipguard.schema.ReviewVerdict;
import io.clipguard.schema.VerdictKind;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reviewers' verdicts on the uploads a backtest scores, read from {@code moderation.verdicts}:
 * the latest verdict per contentId, kept only for the given ids, so memory is bounded by the
 * backtest's rows however long the topic is. Escalations are no label. A verdict from before
 * inclusion probabilities were recorded weighs 1 (as the calibration reads it).
 */
final class VerdictLabels {
    private VerdictLabels() {
    }

    static Map<String, StoredBacktest.Label> of(KafkaClients clients, String topic, Set<String> contentIds, Duration timeout) {
        Map<String, Latest> latest = new HashMap<>();
        TopicReader.read(clients, topic, TopicReader.FROM_BEGINNING, r -> {
            if (r.key() == null || !contentIds.contains(r.key())) {
                return;
            }
            ReviewVerdict v = TopicReader.decode(AvroSerde.REVIEW_VERDICT, r);
            if (v != null && contentIds.contains(v.getContentId())) {
                Latest now = new Latest(v.getReviewedAt(), v.getVerdict() == VerdictKind.ESCALATE ? null : label(v));
                latest.merge(v.getContentId(), now, (a, b) -> b.at().isBefore(a.at()) ? a : b);
            }
        }, n -> { }, timeout);
        Map<String, StoredBacktest.Label> out = new HashMap<>();
        latest.forEach((id, l) -> {
            if (l.label() != null) {
                out.put(id, l.label());
            }
        });
        return out;
    }

    /** The latest verdict's label so far (null for an escalation), and when it was given: no more is kept per upload. */
    private record Latest(Instant at, StoredBacktest.Label label) {
    }

    private static StoredBacktest.Label label(ReviewVerdict v) {
        Double pi = v.getInclusionProbability();
        double inclusion = pi == null || !(pi > 0) || pi > 1 ? 1 : pi;
        return new StoredBacktest.Label(v.getVerdict() == VerdictKind.VIOLATION ? v.getCategory() : null, inclusion);
    }
}
