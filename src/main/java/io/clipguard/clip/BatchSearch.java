package io.clipguard.clip;

import java.util.List;
import java.util.Map;

/**
 * A search that runs on each batch's embeddings on the inference thread, right after the model:
 * the nearest stored vector in each collection (a bank's exemplars), found for the whole batch
 * with one matrix product per collection instead of one scan per upload.
 */
@FunctionalInterface
public interface BatchSearch {
    /** The nearest stored vector of a collection: its id and its cosine to the embedding. */
    record Neighbour(String id, double similarity) {
    }

    /**
     * What the search found for one embedding: the nearest vector of each collection that has
     * one, by collection name, and the collections' state it read ({@code of}, compared by
     * identity: a caller whose collections changed since searches again).
     */
    record Found(Map<String, Neighbour> nearest, Object of) {
    }

    /** Per embedding, in order. */
    List<Found> nearest(float[][] embeddings);
}
