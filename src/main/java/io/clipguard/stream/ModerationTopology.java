package io.clipguard.stream;

import io.clipguard.moderation.Moderator;
import java.time.Clock;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The moderation topology: uploads -> moderate -> decisions, audit, embeddings, dead
 * letters, plus a changelogged store of the latest decision per contentId for lookups.
 * A plain function of its inputs, so tests drive it with {@code TopologyTestDriver}.
 */
public final class ModerationTopology {
    public static final String DECISION_STORE = "latest-decisions";
    static final String SOURCE = "uploads";
    static final String PROCESSOR = "moderate";
    static final String DECISIONS_SINK = "decisions";
    static final String AUDIT_SINK = "audit";
    static final String EMBEDDINGS_SINK = "embeddings";
    static final String DLQ_SINK = "dead-letters";

    private ModerationTopology() {
    }

    public static Topology build(TopicRegistry topics, Moderator moderator, Clock clock) {
        Topology t = new Topology();
        t.addSource(SOURCE, topics.uploaded().keySerde().deserializer(), topics.uploaded().valueSerde().deserializer(),
                topics.uploaded().name());
        t.addProcessor(PROCESSOR, () -> new ModerationProcessor(moderator, clock), SOURCE);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DECISION_STORE), Serdes.String(),
                AvroSerde.STORED_DECISION), PROCESSOR);
        sink(t, DECISIONS_SINK, topics.decisions());
        sink(t, AUDIT_SINK, topics.audit());
        sink(t, EMBEDDINGS_SINK, topics.embeddings());
        sink(t, DLQ_SINK, topics.deadLetters());
        return t;
    }

    @SuppressWarnings("unchecked")
    private static <V> void sink(Topology t, String name, Topic<String, V> topic) {
        t.addSink(name, topic.name(), topic.keySerde().serializer(), (Serializer<Object>) topic.valueSerde().serializer(), PROCESSOR);
    }
}
