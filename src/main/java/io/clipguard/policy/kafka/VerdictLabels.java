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
        Map<String, ReviewVerdict> latest = new HashMap<>();
        TopicReader.read(clients, topic, TopicReader.FROM_BEGINNING, r -> {
            if (r.key() == null || !contentIds.contains(r.key())) {
                return;
            }
            ReviewVerdict v = TopicReader.decode(AvroSerde.REVIEW_VERDICT, r);
            if (v != null && contentIds.contains(v.getContentId())) {
                latest.merge(v.getContentId(), v, (a, b) -> later(b.getReviewedAt(), a.getReviewedAt()) ? b : a);
            }
        }, n -> { }, timeout);
        Map<String, StoredBacktest.Label> out = new HashMap<>();
        latest.forEach((id, v) -> {
            if (v.getVerdict() == VerdictKind.ESCALATE) {
                return;
            }
            Double pi = v.getInclusionProbability();
            double inclusion = pi == null || !(pi > 0) || pi > 1 ? 1 : pi;
            out.put(id, new StoredBacktest.Label(v.getVerdict() == VerdictKind.VIOLATION ? v.getCategory() : null, inclusion));
        });
        return out;
    }

    private static boolean later(Instant a, Instant b) {
        return !a.isBefore(b);
    }
}
