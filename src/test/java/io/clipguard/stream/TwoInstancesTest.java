package io.clipguard.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.clipguard.demo.ShapeScenes;
import io.clipguard.fetch.FetchSettings;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.Uploads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two instances with one application id share the partitions; stopping one hands its work to the other. */
class TwoInstancesTest {
    @TempDir
    Path dir;

    @Test
    void instancesSharePartitionsAndHandOverWithoutLoss() throws Exception {
        TopicRegistry topics = TopicRegistry.prefixed("two", 6);
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             ModerationRuntime runtime = Uploads.demoRuntime(dir, "shared-runtime", FetchSettings.inlineOnly())) {
            ServiceSettings a = new ServiceSettings(kafka.bootstrapServers(), "two", "a", dir.resolve("a"), 2, "instance-a:1001", topics);
            ServiceSettings b = new ServiceSettings(kafka.bootstrapServers(), "two", "b", dir.resolve("b"), 2, "instance-b:1002", topics);
            ShapeScenes scenes = new ShapeScenes(22);
            List<String> keys = new ArrayList<>();
            List<byte[][]> records = new ArrayList<>();
            for (int i = 0; i < 240; i++) {
                String key = "k-" + i;
                keys.add(key);
                records.add(KafkaIO.record(key, Uploads.bytes(Uploads.inline(key,
                        scenes.draw(ShapeScenes.COLOURS.get(i % 4), ShapeScenes.SHAPES.get(i % 3), 200, 160, true).bytes()))));
            }
            ModerationService serviceB = new ModerationService(b, runtime);
            try (ModerationService serviceA = new ModerationService(a, runtime)) {
                serviceA.start();
                serviceB.start();
                serviceA.awaitRunning(Duration.ofSeconds(60));
                serviceB.awaitRunning(Duration.ofSeconds(60));
                // Step 1: both instances own partitions.
                assertThat(serviceA.streams().metadataForLocalThreads().stream().mapToInt(t -> t.activeTasks().size()).sum()).isPositive();
                assertThat(serviceB.streams().metadataForLocalThreads().stream().mapToInt(t -> t.activeTasks().size()).sum()).isPositive();

                // Step 2: the first half is decided by both; lookups find each key on its owner.
                KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(), records.subList(0, 120));
                KafkaIO.Outputs half = KafkaIO.readOutputs(kafka.bootstrapServers(), topics, 120, Duration.ofSeconds(90));
                assertThat(half.total()).isEqualTo(120);
                Set<String> deciders = new HashSet<>();
                half.decisions().values().forEach(l -> deciders.add(l.get(0).getInstanceId()));
                assertThat(deciders).containsExactlyInAnyOrder("shared-runtime");
                int foundOnA = 0;
                int foundOnB = 0;
                for (String key : keys.subList(0, 120)) {
                    DecisionLookup.Result onA = DecisionLookup.find(serviceA.streams(), a.advertisedHttp(), key);
                    DecisionLookup.Result onB = DecisionLookup.find(serviceB.streams(), b.advertisedHttp(), key);
                    if (onA instanceof DecisionLookup.Result.Found) {
                        foundOnA++;
                        assertThat(onB).isEqualTo(new DecisionLookup.Result.Elsewhere("instance-a:1001"));
                    } else {
                        foundOnB++;
                        assertThat(onB).isInstanceOf(DecisionLookup.Result.Found.class);
                        assertThat(onA).isEqualTo(new DecisionLookup.Result.Elsewhere("instance-b:1002"));
                    }
                }
                assertThat(foundOnA).isPositive();
                assertThat(foundOnB).isPositive();

                // Step 3: the rest arrives while instance A stops; B takes over its partitions.
                KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(), records.subList(120, 240));
            }
            try (serviceB) {
                KafkaIO.Outputs all = KafkaIO.readOutputs(kafka.bootstrapServers(), topics, 240, Duration.ofSeconds(120));
                assertThat(all.notExactlyOnce(keys)).isEmpty();
                assertThat(all.total()).isEqualTo(240);
                // B now owns every key, including those A decided (restored from the changelog).
                serviceB.awaitRunning(Duration.ofSeconds(60));
                for (String key : keys.subList(0, 120)) {
                    DecisionLookup.Result r = DecisionLookup.find(serviceB.streams(), b.advertisedHttp(), key);
                    assertThat(r).as(key).isInstanceOf(DecisionLookup.Result.Found.class);
                    ModerationDecision d = ((DecisionLookup.Result.Found) r).decision().getDecision();
                    assertThat(d.getContentId()).isEqualTo(key);
                }
            }
        }
    }
}
