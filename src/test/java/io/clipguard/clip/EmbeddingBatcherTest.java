package io.clipguard.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.error.ClipGuardException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingBatcherTest {
    @TempDir
    Path dir;

    private ClipEngine engine() throws Exception {
        new DemoModelGenerator().write(dir, DemoModelGenerator.Layout.HUGGING_FACE);
        return ClipEngine.open(dir, EngineOptions.defaults().withProvider("cpu"));
    }

    private static float[] randomTensor() {
        float[] t = new float[3 * 224 * 224];
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) ThreadLocalRandom.current().nextGaussian();
        }
        return t;
    }

    @Test
    void concurrentCallersShareBatchesAndGetTheirOwnVectors() throws Exception {
        try (ClipEngine engine = engine(); EmbeddingBatcher batcher = new EmbeddingBatcher(engine, 8, Duration.ofMillis(20))) {
            ExecutorService callers = Executors.newFixedThreadPool(8);
            List<float[]> tensors = new ArrayList<>();
            List<Future<EmbeddingBatcher.Result>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                float[] t = randomTensor();
                tensors.add(t);
                results.add(callers.submit(() -> batcher.embed(t)));
            }
            for (int i = 0; i < tensors.size(); i++) {
                EmbeddingBatcher.Result r = results.get(i).get();
                float[] alone = engine.embedImages(List.of(tensors.get(i)))[0];
                assertThat(r.vector()).containsExactly(alone, within(1e-5f));
                assertThat(r.position()).isLessThan(r.batchSize());
            }
            callers.shutdown();
            long[] counts = batcher.batchSizeCounts();
            long images = 0;
            for (int size = 1; size < counts.length; size++) {
                images += size * counts[size];
            }
            assertThat(images).isEqualTo(64);
            assertThat(batcher.meanBatchSize()).as("8 concurrent callers must share batches").isGreaterThan(1.5);
        }
    }

    @Test
    void eachBatchIsSearchedOnceAndAFailedSearchLeavesOnlyTheNeighboursOut() throws Exception {
        try (ClipEngine engine = engine(); EmbeddingBatcher batcher = new EmbeddingBatcher(engine, 8, Duration.ofMillis(50))) {
            java.util.concurrent.atomic.AtomicInteger searches = new java.util.concurrent.atomic.AtomicInteger();
            // A search that names each embedding's first value, so a result that reached the wrong image shows.
            batcher.search(vectors -> {
                searches.incrementAndGet();
                return java.util.Arrays.stream(vectors)
                        .map(v -> new BatchSearch.Found(java.util.Map.of("first", new BatchSearch.Neighbour("v", v[0])), "now")).toList();
            });
            List<float[]> tensors = List.of(randomTensor(), randomTensor(), randomTensor(), randomTensor());
            List<EmbeddingBatcher.Result> results = batcher.embedAll(tensors, Duration.ofSeconds(10));
            for (EmbeddingBatcher.Result r : results) {
                assertThat(r.found().nearest().get("first").similarity()).isEqualTo(r.vector()[0]);
            }
            assertThat(batcher.meanBatchSize()).as("the four shared a batch").isGreaterThan(1.0);
            assertThat(searches.get()).as("one search per batch, not per image").isEqualTo((int) java.util.Arrays.stream(batcher.batchSizeCounts()).sum());
            for (Throwable broke : List.of(new IllegalStateException("search broke"), new OutOfMemoryError("Direct buffer memory"))) {
                batcher.search(vectors -> {
                    if (broke instanceof Error e) {
                        throw e;
                    }
                    throw (RuntimeException) broke;
                });
                EmbeddingBatcher.Result after = batcher.embed(randomTensor());
                assertThat(after.vector()).as("after %s", broke).hasSize(DemoModelGenerator.DIM);
                assertThat(after.found()).as("searched one by one by the caller instead").isNull();
            }
        }
    }

    @Test
    void inferenceFailureReachesEveryCallerOfTheBatch() throws Exception {
        try (ClipEngine engine = engine(); EmbeddingBatcher batcher = new EmbeddingBatcher(engine, 4, Duration.ofMillis(5))) {
            assertThatThrownBy(() -> batcher.embed(new float[7])).isInstanceOf(RuntimeException.class).hasMessageContaining("7 floats");
            assertThat(batcher.embed(randomTensor()).vector()).hasSize(DemoModelGenerator.DIM);
        }
    }

    @Test
    void closedBatcherRefusesWork() throws Exception {
        try (ClipEngine engine = engine()) {
            EmbeddingBatcher batcher = new EmbeddingBatcher(engine, 4, Duration.ofMillis(5));
            batcher.close();
            assertThatThrownBy(() -> batcher.embed(randomTensor())).isInstanceOf(ClipGuardException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void anImageThatFailsAloneIsItsOwnErrorAndTheRestOfItsBatchIsEmbedded() throws Exception {
        try (ClipEngine engine = engine()) {
            float[] poison = randomTensor();
            EmbeddingBatcher.ImageModel model = tensors -> {
                if (tensors.stream().anyMatch(t -> t == poison)) {
                    throw new IllegalStateException("cannot embed this one");
                }
                return engine.embedImages(tensors);
            };
            try (EmbeddingBatcher batcher = new EmbeddingBatcher(model, new float[poison.length], 8, Duration.ofMillis(50), Duration.ofMillis(50))) {
                List<java.util.concurrent.CompletableFuture<EmbeddingBatcher.Result>> futures = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    futures.add(batcher.submit(i == 3 ? poison : randomTensor()));
                }
                for (int i = 0; i < 6; i++) {
                    if (i == 3) {
                        assertThatThrownBy(futures.get(i)::join).hasCauseExactlyInstanceOf(ClipGuardException.class)
                                .hasMessageContaining("inference failed for this image");
                    } else {
                        assertThat(futures.get(i).join().vector()).hasSize(DemoModelGenerator.DIM);
                    }
                }
                assertThat(batcher.health().available()).isTrue();
            }
        }
    }

    @Test
    void aModelDownForEverythingIsUnavailableUntilAProbeSucceeds() throws Exception {
        try (ClipEngine engine = engine()) {
            java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean(true);
            EmbeddingBatcher.ImageModel model = tensors -> {
                if (broken.get()) {
                    throw new IllegalStateException("CUDA error: device lost");
                }
                return engine.embedImages(tensors);
            };
            List<Boolean> changes = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (EmbeddingBatcher batcher = new EmbeddingBatcher(model, new float[3 * 224 * 224], 4, Duration.ofMillis(5), Duration.ofMillis(50))) {
                batcher.health().onChange(changes::add);
                var first = batcher.submit(randomTensor());
                assertThatThrownBy(first::join).hasCauseInstanceOf(EmbeddingBatcher.ModelUnavailable.class);
                assertThat(batcher.health().available()).isFalse();
                assertThat(batcher.health().lastFailure()).contains("device lost");
                // While down, work is refused as unavailable (its callers keep it), never as this image's fault.
                assertThatThrownBy(batcher.submit(randomTensor())::join).hasCauseInstanceOf(EmbeddingBatcher.ModelUnavailable.class);
                broken.set(false);
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> batcher.health().available());
                assertThat(batcher.submit(randomTensor()).join().vector()).hasSize(DemoModelGenerator.DIM);
                assertThat(changes).containsExactly(false, true);
            }
        }
    }

    @Test
    void theInferenceThreadSurvivesAnyThrowable() throws Exception {
        try (ClipEngine engine = engine()) {
            java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
            EmbeddingBatcher.ImageModel model = tensors -> {
                if (calls.incrementAndGet() == 1) {
                    throw new OutOfMemoryError("Cannot reserve 268435456 bytes of direct buffer memory");
                }
                return engine.embedImages(tensors);
            };
            try (EmbeddingBatcher batcher = new EmbeddingBatcher(model, new float[3 * 224 * 224], 4, Duration.ofMillis(5), Duration.ofMillis(50))) {
                // The batch fails, is retried alone, and succeeds: nobody waits for ever.
                assertThat(batcher.embed(randomTensor(), Duration.ofSeconds(10)).vector()).hasSize(DemoModelGenerator.DIM);
                assertThat(batcher.failures()).isEqualTo(1);
                assertThat(batcher.embed(randomTensor(), Duration.ofSeconds(10)).vector()).hasSize(DemoModelGenerator.DIM);
            }
        }
    }
}
