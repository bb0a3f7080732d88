package io.clipguard.moderation.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two instances with one application id share the partitions; stopping one hands its work to the other. */
class TwoInstancesIT {
    @TempDir
    Path dir;

    @Test
    void instancesSharePartitionsAndHandOverWithoutLoss() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Map<String, String> a = TestNode.settings(kafka.bootstrapServers(), "two", "a", dir);
            a.put("clipguard.http.advertised", "instance-a:1001");
            a.put("clipguard.stream.threads", "2");
            Map<String, String> b = TestNode.settings(kafka.bootstrapServers(), "two", "b", dir);
            b.put("clipguard.http.advertised", "instance-b:1002");
            b.put("clipguard.stream.threads", "2");
            TopicRegistry topics = TestNode.registry(a);
            ShapeScenes scenes = new ShapeScenes(22);
            List<String> keys = new ArrayList<>();
            List<byte[][]> records = new ArrayList<>();
            for (int i = 0; i < 240; i++) {
                String key = "k-" + i;
                keys.add(key);
                records.add(KafkaIO.record(key, Uploads.bytes(Uploads.inline(key,
                        scenes.draw(ShapeScenes.COLOURS.get(i % 4), ShapeScenes.SHAPES.get(i % 3), 200, 160, true).bytes()))));
            }
            ClipGuardNode nodeB;
            try (ClipGuardNode nodeA = TestNode.start(a)) {
                nodeB = TestNode.start(b);
                ModerationService serviceA = nodeA.service();
                ModerationService serviceB = nodeB.service();
                serviceA.awaitRunning(Duration.ofSeconds(60));
                serviceB.awaitRunning(Duration.ofSeconds(60));
                // The rebalance after B joined has settled when both own tasks.
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> activeTasks(serviceA) > 0 && activeTasks(serviceB) > 0);
                // Step 1: both instances own partitions.
                assertThat(activeTasks(serviceA)).isPositive();
                assertThat(activeTasks(serviceB)).isPositive();

                // Step 2: the first half is decided by both; lookups find each key on its owner.
                KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(), records.subList(0, 120));
                KafkaIO.Outputs half = KafkaIO.readOutputs(kafka.bootstrapServers(), topics, 120, Duration.ofSeconds(90));
                assertThat(half.total()).isEqualTo(120);
                Set<String> deciders = new HashSet<>();
                half.decisions().values().forEach(l -> deciders.add(l.get(0).getInstanceId()));
                assertThat(deciders).containsExactlyInAnyOrder("a", "b");
                int foundOnA = 0;
                int foundOnB = 0;
                for (String key : keys.subList(0, 120)) {
                    DecisionLookup.Result onA = DecisionLookup.find(serviceA.streams(), "instance-a:1001", key);
                    DecisionLookup.Result onB = DecisionLookup.find(serviceB.streams(), "instance-b:1002", key);
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
            try (ClipGuardNode node = nodeB) {
                ModerationService serviceB = node.service();
                KafkaIO.Outputs all = KafkaIO.readOutputs(kafka.bootstrapServers(), topics, 240, Duration.ofSeconds(120));
                assertThat(all.notExactlyOnce(keys)).isEmpty();
                assertThat(all.total()).isEqualTo(240);
                // B now owns every key, including those A decided (restored from the changelog).
                serviceB.awaitRunning(Duration.ofSeconds(60));
                for (String key : keys.subList(0, 120)) {
                    DecisionLookup.Result r = DecisionLookup.find(serviceB.streams(), "instance-b:1002", key);
                    assertThat(r).as(key).isInstanceOf(DecisionLookup.Result.Found.class);
                    ModerationDecision d = ((DecisionLookup.Result.Found) r).decision().getDecision();
                    assertThat(d.getContentId()).isEqualTo(key);
                }
            }
        }
    }

    private static int activeTasks(ModerationService service) {
        return service.streams().metadataForLocalThreads().stream().mapToInt(t -> t.activeTasks().size()).sum();
    }
}
