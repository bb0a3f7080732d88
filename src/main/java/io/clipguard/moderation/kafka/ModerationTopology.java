package io.clipguard.moderation.kafka;

import io.clipguard.clip.ModelHealth;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.moderation.Moderator;
import io.clipguard.policy.catalog.PolicyListener;
import io.clipguard.policy.kafka.PolicyStoreUpdater;
import java.time.Clock;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The moderation topology: uploads -> moderate -> decisions, audit, embeddings, dead
 * letters and shadow decisions (values forwarded already encoded, so that each was measured
 * against its topic's limit), a changelogged store of the latest decision per contentId for
 * lookups, a changelogged store of the uploads in flight, and the policy catalog as a global
 * store feeding hot reload. A plain function of its inputs, so tests drive it with
 * {@code TopologyTestDriver}.
 */
public final class ModerationTopology {
    public static final String DECISION_STORE = "latest-decisions";
    /** Offsets (and contentIds) of the uploads a task has in flight; restored and finished after a restart. */
    public static final String PENDING_STORE = "pending-uploads";
    /** The policy catalog, a global store: every instance holds every version. */
    public static final String POLICY_STORE = "policies";
    /** The decision store's changelog accepts stored decisions up to this size (decision and audit together). */
    static final int DECISION_CHANGELOG_MAX_BYTES = 8 << 20;
    static final String SOURCE = "uploads";
    static final String PROCESSOR = "moderate";
    static final String DECISIONS_SINK = "decisions";
    static final String AUDIT_SINK = "audit";
    static final String EMBEDDINGS_SINK = "embeddings";
    static final String DLQ_SINK = "dead-letters";
    static final String SHADOW_SINK = "shadow";

    private ModerationTopology() {
    }

    /** Everything the processor needs besides the topics: the moderator, limits, re-reads of uploads, model health, the window. */
    record Parts(Moderator moderator, PolicyListener policies, Clock clock, OutputLimits limits, SourceReader sources, ModelHealth health,
                 InFlightWindow window, AdaptiveWindow slots, FlowControl flow, StreamTelemetry telemetry) {
    }

    static Topology build(TopicRegistry topics, Parts parts) {
        Topology t = new Topology();
        // The changelog of a global store is its source topic, so logging stays off.
        t.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(POLICY_STORE), Serdes.String(),
                AvroSerde.POLICY_ENTRY).withLoggingDisabled(), "policies-source", Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer(), topics.policies().name(), "policies-update", () -> new PolicyStoreUpdater(parts.policies()));
        t.addSource(SOURCE, topics.uploaded().keySerde().deserializer(), topics.uploaded().valueSerde().deserializer(),
                topics.uploaded().name());
        t.addProcessor(PROCESSOR, () -> new ModerationProcessor(parts, topics), SOURCE);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DECISION_STORE), Serdes.String(),
                AvroSerde.STORED_DECISION).withLoggingEnabled(Map.of("max.message.bytes", String.valueOf(DECISION_CHANGELOG_MAX_BYTES))),
                PROCESSOR);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING_STORE), Serdes.Long(), Serdes.String()),
                PROCESSOR);
        for (String sink : new String[] {DECISIONS_SINK, AUDIT_SINK, EMBEDDINGS_SINK, DLQ_SINK, SHADOW_SINK}) {
            t.addSink(sink, topicOf(topics, sink), Serdes.String().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        }
        return t;
    }

    static String topicOf(TopicRegistry topics, String sink) {
        return switch (sink) {
            case DECISIONS_SINK -> topics.decisions().name();
            case AUDIT_SINK -> topics.audit().name();
            case EMBEDDINGS_SINK -> topics.embeddings().name();
            case DLQ_SINK -> topics.deadLetters().name();
            case SHADOW_SINK -> topics.shadow().name();
            default -> throw new IllegalArgumentException("no sink " + sink);
        };
    }

    /** The decision store's changelog topic, as Kafka Streams names it. */
    static String decisionChangelog(String applicationId) {
        return applicationId + "-" + DECISION_STORE + "-changelog";
    }
}
