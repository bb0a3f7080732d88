package io.clipguard.insight.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.testing.Cli;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clipguard explain}: a decision made by a running instance is re-scored from its audit
 * record (the upload read again from its source position, the policy version from the policy
 * topic) with the same model: identical scores; another model is refused by digest.
 */
class ExplainIT {
    @TempDir
    Path dir;

    @Test
    void aDecisionReproducesBitForBitWithItsModelAndNotWithAnother() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Map<String, String> settings = TestNode.settings(kafka.bootstrapServers(), "clipguard", "explain", dir);
            settings.keySet().removeIf(k -> k.startsWith("clipguard.topics.")); // the default names, as the command reads them
            TopicRegistry topics = TestNode.registry(settings);
            try (ClipGuardNode node = TestNode.start(settings)) {
                ShapeScenes scenes = new ShapeScenes(5);
                KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(), List.of(
                        KafkaIO.record("ex-red", Uploads.bytes(Uploads.inline("ex-red", Uploads.scene(scenes, "red", "triangle")))),
                        KafkaIO.record("ex-green", Uploads.bytes(Uploads.inline("ex-green", Uploads.scene(scenes, "green", "square"))))));
                assertThat(KafkaIO.readOutputs(kafka.bootstrapServers(), topics, 2, Duration.ofSeconds(60)).total()).isEqualTo(2);
            }
            String model = settings.get("clipguard.model.dir");
            for (String id : List.of("ex-red", "ex-green")) {
                Cli.Run same = Cli.run("explain", id, "--bootstrap-servers", kafka.bootstrapServers(), "--model", model, "--provider", "cpu");
                assertThat(same.exit()).as(same.err()).isZero();
                assertThat(same.out()).contains("reproduced: identical scores and action").contains("red-triangle");
            }

            Path other = dir.resolve("other-model");
            new DemoModelGenerator(42f).write(other, DemoModelGenerator.Layout.HUGGING_FACE);
            Cli.Run refused = Cli.run("explain", "ex-red", "--bootstrap-servers", kafka.bootstrapServers(), "--model", other.toString(),
                    "--provider", "cpu");
            assertThat(refused.exit()).isEqualTo(3);
            assertThat(refused.err()).startsWith("MODEL_DIGEST_MISMATCH");

            Cli.Run unknown = Cli.run("explain", "never-uploaded", "--bootstrap-servers", kafka.bootstrapServers(), "--model", model);
            assertThat(unknown.exit()).isEqualTo(2);
            assertThat(unknown.err()).startsWith("DECISION_NOT_FOUND");
        }
    }
}
