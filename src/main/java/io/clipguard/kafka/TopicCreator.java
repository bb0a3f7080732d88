package io.clipguard.kafka;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the registry's topics that do not exist yet, with their partitions and configs,
 * then waits until every partition's leader serves requests.
 *
 * <p>Why the wait: right after creation, metadata can name a leader before that broker has
 * taken the partition on. An idempotent producer's first batch then fails with
 * NOT_LEADER_OR_FOLLOWER while its later in-flight batches succeed, and the retried first
 * batch is refused for ever as out of sequence until it expires (seen with Kafka 4.1.2):
 * records lost. A ListOffsets answered by every partition's leader rules that window out.
 */
public final class TopicCreator {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private TopicCreator() {
    }

    /** Creates the missing topics and waits for their leaders; Kafka failures are ClipGuard errors (auth refusals included). */
    public static void ensure(KafkaClients clients, List<Topic<?, ?>> topics) {
        try (Admin admin = clients.newAdmin()) {
            create(admin, topics);
            awaitLeaders(admin, topics);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClipGuardException(ErrorCode.INTERRUPTED, "interrupted while creating topics");
        } catch (org.apache.kafka.common.KafkaException e) {
            throw KafkaErrors.translate(e);
        }
    }

    private static void create(Admin admin, List<Topic<?, ?>> topics) throws InterruptedException {
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (Topic<?, ?> t : topics) {
                if (!existing.contains(t.name())) {
                    missing.add(new NewTopic(t.name(), t.partitions(), t.replicationFactor()).configs(t.configs()));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw KafkaErrors.translate(e);
            }
        }
    }

    private static void awaitLeaders(Admin admin, List<Topic<?, ?>> topics) throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            try {
                // Described again on every try: a topic created a moment ago may not be in every broker's metadata yet.
                Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
                admin.describeTopics(topics.stream().map(Topic::name).toList()).allTopicNames().get().forEach((name, description) ->
                        description.partitions().forEach(p -> partitions.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
                admin.listOffsets(partitions).all().get();
                return;
            } catch (ExecutionException e) {
                if (KafkaErrors.isAuthFailure(e) || System.nanoTime() > deadline) {
                    throw KafkaErrors.isAuthFailure(e) ? KafkaErrors.translate(e) : new ClipGuardException(ErrorCode.KAFKA_ERROR,
                            "topic partitions not ready after " + READY_TIMEOUT + ": " + e.getCause().getMessage());
                }
                Thread.sleep(100);
            }
        }
    }
}
