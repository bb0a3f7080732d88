package io.clipguard.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
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
}
