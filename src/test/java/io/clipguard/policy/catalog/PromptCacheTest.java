package io.clipguard.policy.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.clipguard.policy.PromptEncoder;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Prompt lists are embedded once per (prompts, templates), for every switch that shares the cache. */
class PromptCacheTest {
    /** An encoder that counts the prompt lists it is asked to embed. */
    static final class Counting implements PromptEncoder {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String modelId() {
            return "m";
        }

        @Override
        public int dimension() {
            return 4;
        }

        @Override
        public double logitScale() {
            return 100;
        }

        @Override
        public String modelDigest() {
            return "sha256:m";
        }

        @Override
        public int contextLength() {
            return 77;
        }

        @Override
        public int tokenCount(String text) {
            return text.length();
        }

        @Override
        public float[][] embedLabels(List<String> labels, List<String> templates) {
            calls.incrementAndGet();
            return new float[labels.size()][4];
        }
    }

    @Test
    void aPromptListIsEmbeddedOnceWhoeverAsks() {
        Counting encoder = new Counting();
        PromptCache cache = new PromptCache(encoder);
        cache.embedLabels(List.of("a knife"), List.of("a photo of {}"));
        cache.embedLabels(List.of("a knife"), List.of("a photo of {}"));
        assertThat(encoder.calls).hasValue(1);
        cache.embedLabels(List.of("a knife", "a gun"), List.of("a photo of {}"));
        cache.embedLabels(List.of("a knife"), List.of("{}"));
        assertThat(encoder.calls).hasValue(3);
    }
}
