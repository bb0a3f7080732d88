package io.clipguard.moderation.kafka;

import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.Topic;
import io.clipguard.kafka.TopicRegistry;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;

/**
 * The largest record each output topic accepts ({@code max.message.bytes}, read from the
 * cluster at start and every minute, so that topics an operator created with other limits
 * count). The processor checks every output against it before forwarding: an output that would
 * be refused by the broker becomes a dead letter instead of a failed transaction that stalls
 * the partition.
 */
public final class OutputLimits {
    private static final Logger LOG = Logger.getLogger(OutputLimits.class.getName());
    /** Room kept for the key, headers and batch framing beside a value. */
    static final int OVERHEAD = 4096;
    /** Kafka's broker default for {@code message.max.bytes}. */
    static final int BROKER_DEFAULT = 1_048_588;

    private final int producerMax;
    private volatile Map<String, Integer> limits;

    private OutputLimits(Map<String, Integer> limits, int producerMax) {
        this.limits = Map.copyOf(limits);
        this.producerMax = producerMax;
    }

    /**
     * What the topics are created with (the registry's configs, else the broker default) before
     * the cluster is asked; {@code known} adds or overrides topics (the store's changelog).
     */
    public static OutputLimits assumed(Collection<Topic<?, ?>> topics, Map<String, Integer> known) {
        Map<String, Integer> out = new HashMap<>();
        for (Topic<?, ?> t : topics) {
            String configured = t.configs().get("max.message.bytes");
            out.put(t.name(), configured == null ? BROKER_DEFAULT : Integer.parseInt(configured));
        }
        out.putAll(known);
        return new OutputLimits(out, TopicRegistry.MAX_RECORD_BYTES);
    }

    /** Reads {@code max.message.bytes} of these topics from the cluster; keeps what it had for any it cannot read. */
    public void refresh(KafkaClients clients, Collection<String> topics) {
        Map<ConfigResource, Config> described;
        try (Admin admin = clients.newAdmin()) {
            described = admin.describeConfigs(topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList())
                    .all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warning("cannot read topic limits (" + e.getMessage() + "); keeping " + limits);
            return;
        }
        Map<String, Integer> next = new HashMap<>(limits);
        described.forEach((resource, config) -> {
            ConfigEntry entry = config.get("max.message.bytes");
            if (entry != null && entry.value() != null) {
                next.put(resource.name(), Integer.parseInt(entry.value()));
            }
        });
        limits = Map.copyOf(next);
    }

    /** The largest value (key included) that fits {@code topic}, keeping room for headers and framing. */
    public int room(String topic) {
        return Math.min(limits.getOrDefault(topic, BROKER_DEFAULT), producerMax) - OVERHEAD;
    }

    public boolean fits(String topic, int keyAndValueBytes) {
        return keyAndValueBytes <= room(topic);
    }

    @Override
    public String toString() {
        return limits.toString();
    }
}
