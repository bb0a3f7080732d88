package io.clipguard.moderation.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.app.NodeHealth;
import io.clipguard.clip.EmbeddingBatcher;
import io.clipguard.config.Settings;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.apache.kafka.streams.KafkaStreams;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model that fails for everything (made to fail on demand) pauses the service instead of
 * draining the backlog into dead letters; the uploads it held stay pending, survive a restart
 * and are finished exactly once when the model answers again.
 */
class ModelFaultIT {
    @TempDir
    Path dir;

    /** The model behind a switch: while {@code broken}, every inference fails as a lost GPU would. */
    static UnaryOperator<EmbeddingBatcher.ImageModel> breakable(AtomicBoolean broken) {
        return model -> tensors -> {
            if (broken.get()) {
                throw new IllegalStateException("CUDA failure 999: unspecified launch failure");
            }
            return model.embed(tensors);
        };
    }

    @Test
    void aModelDownForEverythingPausesAndNothingIsLostOrDeadLettered() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Map<String, String> settings = TestNode.settings(kafka.bootstrapServers(), "faults", "a", dir);
            settings.put("clipguard.topics.partitions", "2");
            TopicRegistry topics = TestNode.registry(settings);
            ShapeScenes scenes = new ShapeScenes(12);
            List<String> keys = new ArrayList<>();
            List<byte[][]> first = new ArrayList<>();
            List<byte[][]> second = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String key = "m-" + i;
                keys.add(key);
                (i < 30 ? first : second).add(KafkaIO.record(key, Uploads.bytes(Uploads.inline(key, Uploads.scene(scenes,
                        ShapeScenes.COLOURS.get(i % 4), ShapeScenes.SHAPES.get(i % 3))))));
            }
            AtomicBoolean broken = new AtomicBoolean(false);
            try (ClipGuardNode node = ClipGuardNode.start(Settings.load(settings), false, breakable(broken))) {
                // Step 1: the model breaks; uploads arrive; the instance pauses and reports why.
                broken.set(true);
                KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(), first);
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !node.runtime().batcher().health().available());
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> node.service().paused());
                assertThat(node.runtime().batcher().health().lastFailure()).contains("unspecified launch failure");
                // Not ready while paused (the readiness probe takes it out of rotation), and it says why; still alive.
                NodeHealth.Report paused = NodeHealth.of(node);
                assertThat(paused.ready()).isFalse();
                assertThat(paused.parts().get("model")).contains("unspecified launch failure");
                assertThat(paused.parts().get("processing")).isEqualTo("paused until the model answers");
                assertThat(node.service().alive()).isTrue();
                assertThat(KafkaIO.readOutputs(kafka.bootstrapServers(), topics, 1, Duration.ofSeconds(3)).total())
                        .as("nothing decided, nothing dead-lettered while the model is down").isZero();

                // Step 2: the model answers again: the instance resumes by itself and finishes everything once.
                broken.set(false);
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> node.runtime().batcher().health().available());
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !node.service().paused());
                assertThat(NodeHealth.of(node).parts().get("processing")).isEqualTo("ok");
                KafkaIO.Outputs out = KafkaIO.readOutputs(kafka.bootstrapServers(), topics, 30, Duration.ofSeconds(60));
                assertThat(out.deadLetters()).isEmpty();
                assertThat(out.notExactlyOnce(keys.subList(0, 30))).isEmpty();

                // Step 3: it breaks again with uploads held, and the instance is stopped while they wait.
                broken.set(true);
                KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(), second);
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> node.service().paused());
            }
            // Step 4: a new instance (same application, instance id and state) with a working model finishes them.
            try (ClipGuardNode node = ClipGuardNode.start(Settings.load(settings), false, breakable(new AtomicBoolean(false)))) {
                assertThat(node.service().streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
                KafkaIO.Outputs out = KafkaIO.readOutputs(kafka.bootstrapServers(), topics, 60, Duration.ofSeconds(90));
                assertThat(out.deadLetters()).isEmpty();
                assertThat(out.notExactlyOnce(keys)).isEmpty();
                assertThat(out.total()).isEqualTo(60);
            }
        }
    }
}
