package io.clipguard.moderation.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.config.Settings;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicCreator;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model made slow on purpose (200 ms per image, whatever the batch: five images a second)
 * under a backlog of 250 uploads on six partitions: 50 s of model time, longer than the
 * producers' 30 s transaction timeout that a thread waiting inside its transaction would hit. The window follows the model, so no
 * stream thread waits inside a transaction: no producer is fenced and nothing is redone, the
 * outputs flow steadily (no gap over 2 s after the first), the service keeps the model busy
 * (service / model >= 0.9), and every upload has exactly one output.
 */
class SlowModelIT {
    static final int UPLOADS = 250;
    static final long MILLIS_PER_IMAGE = 200;

    @TempDir
    Path dir;

    @Test
    void aSlowModelIsFollowedWithoutFencingStallsOrRedoneWork() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Map<String, String> settings = TestNode.settings(kafka.bootstrapServers(), "slow", "a", dir);
            settings.put("clipguard.topics.partitions", "6");
            settings.put("clipguard.stream.threads", "2");
            TopicRegistry topics = TestNode.registry(settings);
            TopicCreator.ensure(KafkaClients.of(kafka.bootstrapServers()), topics.all());
            ShapeScenes scenes = new ShapeScenes(31);
            List<byte[][]> backlog = new ArrayList<>();
            for (int i = 0; i < UPLOADS; i++) {
                String key = "slow-" + i;
                backlog.add(KafkaIO.record(key, Uploads.bytes(Uploads.inline(key, scenes.draw(ShapeScenes.COLOURS.get(i % 4),
                        ShapeScenes.SHAPES.get(i % 3), 160, 120, true).bytes()))));
            }
            KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(), backlog);
            try (ClipGuardNode node = ClipGuardNode.start(Settings.load(settings), false, model -> tensors -> {
                try {
                    Thread.sleep(MILLIS_PER_IMAGE * tensors.size());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return model.embed(tensors);
            }); KafkaConsumer<byte[], byte[]> outputs = KafkaIO.tailOutputs(kafka.bootstrapServers(), topics)) {
                Map<String, Integer> seen = new HashMap<>();
                long first = 0;
                long last = 0;
                long longestGap = 0;
                long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
                int rebalancesAtFirst = -1;
                while (seen.values().stream().mapToInt(Integer::intValue).sum() < UPLOADS && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : outputs.poll(Duration.ofMillis(50))) {
                        long now = System.nanoTime();
                        if (first == 0) {
                            first = now;
                            rebalancesAtFirst = (int) node.service().rebalances();
                        } else {
                            longestGap = Math.max(longestGap, now - last);
                        }
                        last = now;
                        seen.merge(new String(r.key(), StandardCharsets.UTF_8), 1, Integer::sum);
                    }
                }
                double seconds = (last - first) / 1e9;
                double service = (UPLOADS - 1) / seconds;
                double model = 1000.0 / MILLIS_PER_IMAGE;
                System.out.printf("slow model: %d outputs in %.1f s after the first: %.2f/s, model %.1f/s, service/model %.2f; longest gap "
                        + "%d ms; rebalances %d; window %d; attempts called off %d%n", seen.size(), seconds, service, model, service / model,
                        longestGap / 1_000_000, node.service().rebalances(), node.service().window().limit(),
                        (long) count(node, "clipguard.attempts.called.off"));
                assertThat(seen).hasSize(UPLOADS);
                assertThat(seen.values()).as("exactly one output each").allMatch(n -> n == 1);
                assertThat(node.service().rebalances() - rebalancesAtFirst).as("rebalances (fenced producers) after the first output").isZero();
                assertThat(node.service().replacedThreads()).isZero();
                assertThat(count(node, "clipguard.uploads.redone")).as("uploads redone").isZero();
                assertThat(longestGap / 1e9).as("longest gap between outputs, seconds").isLessThanOrEqualTo(2.0);
                assertThat(service / model).as("service / model").isGreaterThanOrEqualTo(0.9);
            }
        }
    }

    private static double count(ClipGuardNode node, String counter) {
        Counter c = node.telemetry().meters().find(counter).counter();
        return c == null ? 0 : c.count();
    }
}
