package io.clipguard.stream;

import io.clipguard.moderation.Moderator;
import io.clipguard.policy.catalog.PolicyListener;
import java.time.Clock;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The moderation topology: uploads -> moderate -> decisions, audit, embeddings, dead
 * letters and shadow decisions, plus a changelogged store of the latest decision per
 * contentId for lookups, and the policy catalog as a global store feeding hot reload.
 * A plain function of its inputs, so tests drive it with {@code TopologyTestDriver}.
 */
public final class ModerationTopology {
    public static final String DECISION_STORE = "latest-decisions";
    /** The policy catalog, a global store: every instance holds every version. */
    public static final String POLICY_STORE = "policies";
    static final String SOURCE = "uploads";
    static final String PROCESSOR = "moderate";
    static final String DECISIONS_SINK = "decisions";
    static final String AUDIT_SINK = "audit";
    static final String EMBEDDINGS_SINK = "embeddings";
    static final String DLQ_SINK = "dead-letters";
    static final String SHADOW_SINK = "shadow";

    private ModerationTopology() {
    }

    public static Topology build(TopicRegistry topics, Moderator moderator, PolicyListener policies, Clock clock) {
        Topology t = new Topology();
        // The changelog of a global store is its source topic, so logging stays off.
        t.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(POLICY_STORE), Serdes.String(),
                AvroSerde.POLICY_ENTRY).withLoggingDisabled(), "policies-source", Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer(), topics.policies().name(), "policies-update", () -> new PolicyStoreUpdater(policies));
        t.addSource(SOURCE, topics.uploaded().keySerde().deserializer(), topics.uploaded().valueSerde().deserializer(),
                topics.uploaded().name());
        t.addProcessor(PROCESSOR, () -> new ModerationProcessor(moderator, clock), SOURCE);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DECISION_STORE), Serdes.String(),
                AvroSerde.STORED_DECISION), PROCESSOR);
        sink(t, DECISIONS_SINK, topics.decisions());
        sink(t, AUDIT_SINK, topics.audit());
        sink(t, EMBEDDINGS_SINK, topics.embeddings());
        sink(t, DLQ_SINK, topics.deadLetters());
        sink(t, SHADOW_SINK, topics.shadow());
        return t;
    }

    @SuppressWarnings("unchecked")
    private static <V> void sink(Topology t, String name, Topic<String, V> topic) {
        t.addSink(name, topic.name(), topic.keySerde().serializer(), (Serializer<Object>) topic.valueSerde().serializer(), PROCESSOR);
    }
}
