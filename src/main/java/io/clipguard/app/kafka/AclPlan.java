package io.clipguard.app.kafka;

import io.clipguard.kafka.Topic;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.moderation.kafka.DeadLetterReplay;
import io.clipguard.moderation.kafka.OutputLimits;
import io.clipguard.policy.kafka.PolicyLog;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The least Kafka ACLs each principal of a deployment needs, derived from its settings, so
 * that docs/operators.md, the Strimzi {@code KafkaUser} and the test that proves them come from one
 * list. Topics are assumed created by the operator (with Strimzi {@code KafkaTopic}s); a
 * service that should create missing topics itself needs {@code CREATE} on them too.
 */
public final class AclPlan {
    /** Who connects. */
    public enum Role {
        /** A ClipGuard instance: reads uploads and policies, writes every output, runs Kafka Streams exactly-once. */
        SERVICE,
        /** An upload service: writes upload events and nothing else. */
        UPLOADER,
        /** {@code clipguard policy apply} from CI or an operator's shell: writes policy versions and change records. */
        POLICY_WRITER,
        /** {@code clipguard dlq replay}: reads dead letters, writes uploads and the replay ledger. */
        REPLAYER
    }

    private AclPlan() {
    }

    /** The bindings for {@code principal} (e.g. {@code User:clipguard}) in {@code role}. */
    public static List<AclBinding> bindings(Role role, String principal, String applicationId, TopicRegistry topics) {
        List<AclBinding> out = new ArrayList<>();
        switch (role) {
            case SERVICE -> {
                allow(out, principal, topic(topics.uploaded().name()), AclOperation.READ);
                allow(out, principal, topic(topics.audit().name()), AclOperation.WRITE);
                // Decisions and dead letters are read back by the live dashboard's feed.
                for (Topic<?, ?> t : List.of(topics.decisions(), topics.deadLetters())) {
                    allow(out, principal, topic(t.name()), AclOperation.READ);
                    allow(out, principal, topic(t.name()), AclOperation.WRITE);
                }
                // Embeddings and shadow decisions are read back by backtests and shadow reports; bank entries by every instance, written through the API.
                for (Topic<?, ?> t : List.of(topics.embeddings(), topics.shadow(), topics.policies(), topics.policyChanges(), topics.verdicts(),
                        topics.reviewLeases(), topics.banks())) {
                    allow(out, principal, topic(t.name()), AclOperation.READ);
                    allow(out, principal, topic(t.name()), AclOperation.WRITE);
                }
                // Output limits are read from the topics' configurations (OutputLimits).
                for (Topic<?, ?> t : List.of(topics.decisions(), topics.audit(), topics.embeddings(), topics.deadLetters(), topics.shadow())) {
                    allow(out, principal, topic(t.name()), AclOperation.DESCRIBE_CONFIGS);
                }
                // Kafka Streams: its internal topics (changelogs), its consumer group, its transactions.
                allow(out, principal, new ResourcePattern(ResourceType.TOPIC, applicationId + "-", PatternType.PREFIXED), AclOperation.ALL);
                allow(out, principal, new ResourcePattern(ResourceType.GROUP, applicationId, PatternType.LITERAL), AclOperation.READ);
                allow(out, principal, new ResourcePattern(ResourceType.TRANSACTIONAL_ID, applicationId, PatternType.PREFIXED),
                        AclOperation.WRITE);
                allow(out, principal, policyWriterTransactions(), AclOperation.WRITE);
            }
            case UPLOADER -> allow(out, principal, topic(topics.uploaded().name()), AclOperation.WRITE);
            case POLICY_WRITER -> {
                for (Topic<?, ?> t : List.of(topics.policies(), topics.policyChanges())) {
                    allow(out, principal, topic(t.name()), AclOperation.READ);
                    allow(out, principal, topic(t.name()), AclOperation.WRITE);
                }
                allow(out, principal, policyWriterTransactions(), AclOperation.WRITE);
            }
            case REPLAYER -> {
                allow(out, principal, topic(topics.deadLetters().name()), AclOperation.READ);
                allow(out, principal, topic(topics.uploaded().name()), AclOperation.WRITE);
                allow(out, principal, topic(topics.dlqReplays().name()), AclOperation.READ);
                allow(out, principal, topic(topics.dlqReplays().name()), AclOperation.WRITE);
                allow(out, principal, new ResourcePattern(ResourceType.TRANSACTIONAL_ID, DeadLetterReplay.TRANSACTIONAL_ID_PREFIX,
                        PatternType.PREFIXED), AclOperation.WRITE);
            }
        }
        return List.copyOf(out);
    }

    private static ResourcePattern topic(String name) {
        return new ResourcePattern(ResourceType.TOPIC, name, PatternType.LITERAL);
    }

    private static ResourcePattern policyWriterTransactions() {
        return new ResourcePattern(ResourceType.TRANSACTIONAL_ID, PolicyLog.TRANSACTIONAL_ID_PREFIX, PatternType.PREFIXED);
    }

    private static void allow(List<AclBinding> out, String principal, ResourcePattern pattern, AclOperation operation) {
        out.add(new AclBinding(pattern, new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW)));
    }
}
