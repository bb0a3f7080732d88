package io.clipguard.moderation.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicCreator;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.schema.DeadLetter;
import io.clipguard.testing.DecodeBombs;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.Serve;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every decode-bomb kind through {@code ./clipguard serve} as its own process, with a heap it
 * could fill (2 GiB, as the Kubernetes manifest gives): each is one dead letter within 2 s, the
 * upload behind it is decided, and the process's peak resident memory (VmHWM, from /proc) stays
 * under 1 GiB: the bombs are refused from their headers, never allocated.
 */
class DecodeBombIT {
    @TempDir
    Path dir;

    @Test
    void eachBombIsOneDeadLetterWithinTwoSecondsAndTheServiceStaysUnderOneGibibyte() throws Exception {
        TopicRegistry topics = TestNode.registry(Map.of());
        Map<String, Object[]> bombs = DecodeBombs.kinds();
        ShapeScenes scenes = new ShapeScenes(5);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            TopicCreator.ensure(KafkaClients.of(kafka.bootstrapServers()), topics.all());
            int port = Serve.freePort();
            Process serve = Serve.start(dir, "bombs", port, Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "CLIPGUARD_DECODE_FORMATS", "jpeg,png,gif,webp,bmp,tiff", "CLIPGUARD_STREAM_STATE_DIR", dir.resolve("state").toString(),
                    "CLIPGUARD_JAVA_OPTS", "-Xmx2g -Dquarkus.http.port=" + port));
            try (KafkaConsumer<byte[], byte[]> outputs = KafkaIO.tailOutputs(kafka.bootstrapServers(), topics)) {
                // Warm up: the model answers and the first decision is out before anything is measured.
                KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(),
                        List.<byte[][]>of(KafkaIO.record("warm-up", Uploads.bytes(Uploads.inline("warm-up", Uploads.scene(scenes, "blue", "square"))))));
                assertThat(await(outputs, topics, "warm-up", Duration.ofSeconds(180))).isEqualTo("DECIDED");
                long baseline = status(serve, "VmRSS");
                List<String> report = new ArrayList<>();
                for (Map.Entry<String, Object[]> bomb : bombs.entrySet()) {
                    String key = "bomb-" + bomb.getKey();
                    String next = "after-" + bomb.getKey();
                    long t0 = System.nanoTime();
                    KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(), List.of(
                            KafkaIO.record(key, Uploads.bytes(Uploads.inline(key, (byte[]) bomb.getValue()[0]))),
                            KafkaIO.record(next, Uploads.bytes(Uploads.inline(next, Uploads.scene(scenes, "green", "circle"))))));
                    String code = await(outputs, topics, key, Duration.ofSeconds(30));
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    report.add(String.format("%-24s %-26s %.2f s", bomb.getKey(), code, seconds));
                    assertThat(code).as(bomb.getKey()).isEqualTo(bomb.getValue()[1]);
                    assertThat(seconds).as("seconds until %s was a dead letter", bomb.getKey()).isLessThan(2.0);
                    assertThat(await(outputs, topics, next, Duration.ofSeconds(30))).as("the upload after " + bomb.getKey()).isEqualTo("DECIDED");
                }
                long peak = status(serve, "VmHWM");
                System.out.printf("decode bombs (%d kinds), resident memory: %d MiB after warm-up, peak %d MiB%n  %s%n", bombs.size(),
                        baseline >> 20, peak >> 20, String.join("\n  ", report));
                assertThat(peak).as("peak resident bytes of the service").isLessThan(1L << 30);
            } finally {
                serve.destroy();
                serve.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Bytes of a /proc/PID/status field (kB there). */
    private static long status(Process p, String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no " + field);
    }

    private final Map<String, String> seen = new HashMap<>();

    /** The outcome of {@code key}: DECIDED, or its dead letter's reason code. */
    private String await(KafkaConsumer<byte[], byte[]> outputs, TopicRegistry topics, String key, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!seen.containsKey(key) && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : outputs.poll(Duration.ofMillis(20))) {
                String k = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                if (r.topic().equals(topics.deadLetters().name())) {
                    DeadLetter l = AvroSerde.DEAD_LETTER.decode(r.value());
                    seen.put(l.getContentId() != null ? l.getContentId() : k, l.getReasonCode());
                } else {
                    seen.put(k, "DECIDED");
                }
            }
        }
        return seen.get(key);
    }
}
