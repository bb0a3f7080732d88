package io.clipguard.policy.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.clipguard.policy.PromptEncoder;
import java.util.Arrays;
import java.util.List;

/**
 * A model's text encoder with prompt vectors cached by (prompts, templates), one entry per
 * category's prompt list: a version that changes only thresholds or actions embeds nothing, a
 * draft that edits one category embeds that category's prompts only, and the switches of one
 * instance (the default policy's and each tenant's) share the vectors. Bounded in floats, so
 * however many drafts staff try, the cache holds at most {@link #MAX_FLOATS} of them.
 */
public final class PromptCache implements PromptEncoder {
    /** 64 MiB of vectors: every prompt list of a few policies and of the drafts being tried. */
    static final long MAX_FLOATS = 16L << 20;

    private final PromptEncoder encoder;
    private final Cache<List<List<String>>, float[][]> vectors = Caffeine.newBuilder().maximumWeight(MAX_FLOATS)
            .<List<List<String>>, float[][]>weigher((k, v) -> Math.max(1, Arrays.stream(v).mapToInt(r -> r.length).sum())).build();

    public PromptCache(PromptEncoder encoder) {
        this.encoder = encoder;
    }

    @Override
    public String modelId() {
        return encoder.modelId();
    }

    @Override
    public int dimension() {
        return encoder.dimension();
    }

    @Override
    public double logitScale() {
        return encoder.logitScale();
    }

    @Override
    public String modelDigest() {
        return encoder.modelDigest();
    }

    @Override
    public int contextLength() {
        return encoder.contextLength();
    }

    @Override
    public int tokenCount(String text) {
        return encoder.tokenCount(text);
    }

    @Override
    public float[][] embedLabels(List<String> labels, List<String> templates) {
        return vectors.get(List.of(List.copyOf(labels), List.copyOf(templates)), k -> encoder.embedLabels(labels, templates));
    }
}
