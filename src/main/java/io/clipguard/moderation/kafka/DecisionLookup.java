package io.clipguard.moderation.kafka;

import io.clipguard.schema.StoredDecision;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Finds the latest decision for a contentId with interactive queries: answered from the
 * local store when this instance owns the key's partition, otherwise says which instance
 * does (its advertised host:port), or that the store is not ready (rebalancing, restoring).
 */
public final class DecisionLookup {
    /** The answer to one lookup. */
    public sealed interface Result {
        /** This instance has it. */
        record Found(StoredDecision decision) implements Result {
        }

        /** This instance owns the key and has no decision for it. */
        record NotFound() implements Result {
        }

        /** Another instance owns the key. */
        record Elsewhere(String hostPort) implements Result {
        }

        /** The store cannot answer now. */
        record NotReady(String reason) implements Result {
        }
    }

    private DecisionLookup() {
    }

    public static Result find(KafkaStreams streams, String self, String contentId) {
        KeyQueryMetadata meta;
        try {
            meta = streams.queryMetadataForKey(ModerationTopology.DECISION_STORE, contentId, Serdes.String().serializer());
        } catch (IllegalStateException e) {
            return new Result.NotReady("instance is not running: " + e.getMessage());
        }
        if (meta == null || meta.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return new Result.NotReady("partition metadata not available yet");
        }
        String owner = meta.activeHost().host() + ":" + meta.activeHost().port();
        if (self != null && !owner.equals(self)) {
            return new Result.Elsewhere(owner);
        }
        try {
            ReadOnlyKeyValueStore<String, StoredDecision> store = streams.store(StoreQueryParameters.fromNameAndType(
                    ModerationTopology.DECISION_STORE, QueryableStoreTypes.<String, StoredDecision>keyValueStore()));
            StoredDecision d = store.get(contentId);
            return d == null ? new Result.NotFound() : new Result.Found(d);
        } catch (InvalidStateStoreException e) {
            return new Result.NotReady("store is migrating: " + e.getMessage());
        }
    }
}
