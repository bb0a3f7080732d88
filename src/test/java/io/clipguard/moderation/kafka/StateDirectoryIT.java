package io.clipguard.moderation.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka Streams state directory is named by application and instance id, so a restart
 * finds its stores where it left them: nothing is restored from the changelogs, no new
 * directory appears, and the process id Kafka Streams keeps there is the same. A new state
 * directory (what a directory named by process id would give every restart) restores
 * everything, which is what the counter is there to show.
 */
class StateDirectoryIT {
    @TempDir
    Path dir;

    @Test
    void aCleanRestartReusesTheStateDirectoryAndRestoresNothing() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Map<String, String> settings = TestNode.settings(kafka.bootstrapServers(), "statedir", "node-1", dir);
            TopicRegistry topics = TestNode.registry(settings);
            Path state = Path.of(settings.get("clipguard.stream.state-dir"));

            runAndStop(settings, kafka, topics, 0, 60);
            Set<String> before = directories(state);
            String processId = Files.readString(state.resolve("statedir").resolve("kafka-streams-process-metadata"));

            Map<String, Long> restored = runAndStop(settings, kafka, topics, 60, 10);
            assertThat(restored.getOrDefault(ModerationTopology.DECISION_STORE, 0L)).as("decision records restored after a clean restart")
                    .isZero();
            assertThat(restored.getOrDefault(ModerationTopology.PENDING_STORE, 0L)).isZero();
            assertThat(directories(state)).as("directories after the restart").isEqualTo(before);
            assertThat(Files.readString(state.resolve("statedir").resolve("kafka-streams-process-metadata"))).isEqualTo(processId);

            settings.put("clipguard.stream.state-dir", dir.resolve("fresh-state").toString());
            Map<String, Long> fromScratch = runAndStop(settings, kafka, topics, 70, 1);
            assertThat(fromScratch.get(ModerationTopology.DECISION_STORE)).as("a new directory restores every decision").isGreaterThanOrEqualTo(70);
        }
    }

    /** Starts the node, moderates {@code count} new uploads, stops it cleanly; what it restored on start. */
    private static Map<String, Long> runAndStop(Map<String, String> settings, EmbeddedKafka kafka, TopicRegistry topics, int from, int count)
            throws InterruptedException {
        ShapeScenes scenes = new ShapeScenes(from + 1);
        List<byte[][]> records = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            String key = "state-" + i;
            records.add(KafkaIO.record(key, Uploads.bytes(Uploads.inline(key, Uploads.scene(scenes, "green", "square")))));
        }
        try (ClipGuardNode node = TestNode.start(settings)) {
            KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(), records);
            KafkaIO.Outputs outputs = KafkaIO.readOutputs(kafka.bootstrapServers(), topics, from + count, Duration.ofSeconds(60));
            assertThat(outputs.total()).isEqualTo(from + count);
            return node.service().restoredRecords();
        }
    }

    private static Set<String> directories(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(Files::isDirectory).map(p -> root.relativize(p).toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
