package io.clipguard.moderation.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.schema.Action;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.testing.BadUploads;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service on a real (embedded KRaft) broker: every input yields exactly one output. */
class BrokerPipelineIT {
    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    static Map<String, String> settings(String app) {
        return TestNode.settings(kafka.bootstrapServers(), app, "a", dir);
    }

    @Test
    void fiveHundredMixedEventsYieldExactlyFiveHundredOutputs() throws Exception {
        Map<String, String> settings = settings("mixed");
        TopicRegistry topics = TestNode.registry(settings);
        ShapeScenes scenes = new ShapeScenes(500);
        List<byte[][]> records = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        Map<String, String> expectedDeadLetter = new HashMap<>();
        Map<String, Action> expectedAction = new HashMap<>();
        int kindIndex = 0;
        List<Map.Entry<String, Object[]>> bad = new ArrayList<>(BadUploads.kinds("placeholder", scenes).entrySet());
        for (int i = 0; i < 500; i++) {
            String key = "c-" + i;
            keys.add(key);
            if (i % 12 == 5) {
                Map.Entry<String, Object[]> kind = new ArrayList<>(BadUploads.kinds(key, scenes).entrySet()).get(kindIndex++ % bad.size());
                records.add(KafkaIO.record(key, (byte[]) kind.getValue()[0]));
                expectedDeadLetter.put(key, (String) kind.getValue()[1]);
                continue;
            }
            ShapeScenes.Scene scene = scenes.draw(ShapeScenes.COLOURS.get(i % 4), ShapeScenes.SHAPES.get((i / 4) % 3),
                    160 + (i * 37) % 320, 160 + (i * 53) % 320, i % 3 != 0);
            records.add(KafkaIO.record(key, Uploads.bytes(Uploads.inline(key, scene.bytes()))));
            expectedAction.put(key, scene.colour().equals("yellow") ? Action.REVIEW
                    : scene.colour().equals("red") && scene.shape().equals("triangle") ? Action.BLOCK : Action.ALLOW);
        }
        assertThat(expectedDeadLetter.values()).as("kinds of bad input").hasSizeGreaterThanOrEqualTo(10);
        assertThat(new java.util.HashSet<>(expectedDeadLetter.values())).hasSizeGreaterThanOrEqualTo(10);

        try (ClipGuardNode node = TestNode.start(settings)) {
            // Step 1: produce.
            KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(), records);
            // Step 2: process and read what a read_committed consumer sees.
            KafkaIO.Outputs out = KafkaIO.readOutputs(kafka.bootstrapServers(), topics, 500, Duration.ofSeconds(120));
            // Step 3: verify.
            assertThat(out.notExactlyOnce(keys)).isEmpty();
            assertThat(out.total()).isEqualTo(500);
            assertThat(out.auditCount()).isEqualTo(out.decisions().size());
            assertThat(out.embeddingCount()).isEqualTo(out.decisions().size());
            expectedDeadLetter.forEach((key, code) -> {
                DeadLetter letter = out.deadLetters().get(key).get(0);
                assertThat(letter.getReasonCode()).as(key).isEqualTo(code);
                assertThat(letter.getSourceTopic()).isEqualTo(topics.uploaded().name());
            });
            long correct = expectedAction.entrySet().stream()
                    .filter(e -> out.decisions().get(e.getKey()).get(0).getAction() == e.getValue()).count();
            expectedAction.forEach((key, action) -> {
                ModerationDecision d = out.decisions().get(key).get(0);
                if (d.getAction() != action) {
                    System.out.printf("wrong: %s expected %s got %s scores %s%n", key, action, d.getAction(), d.getScores());
                }
            });
            System.out.printf("decisions %d, correct %d, dead letters %d, mean batch %.2f%n", expectedAction.size(), correct,
                    expectedDeadLetter.size(), node.runtime().batcher().meanBatchSize());
            assertThat(correct).isGreaterThanOrEqualTo(Math.round(expectedAction.size() * 0.99));
            assertThat(expectedAction.entrySet().stream().filter(e -> e.getValue() == Action.BLOCK)
                    .allMatch(e -> out.decisions().get(e.getKey()).get(0).getAction() == Action.BLOCK)).as("every red triangle blocked").isTrue();
        }
    }

    @Test
    void recordWrittenByPlainAvroAndAPlainProducerIsDecided() throws Exception {
        Map<String, String> settings = settings("interop");
        TopicRegistry topics = TestNode.registry(settings);
        // No ClipGuard code: the schema file, Avro's generic API and its single-object encoder.
        Schema schema = new Schema.Parser().parse(Files.readString(Path.of("schemas/ImageUploaded.avsc")));
        Schema inline = schema.getField("image").schema().getTypes().get(0);
        GenericRecord image = new GenericData.Record(inline);
        image.put("bytes", ByteBuffer.wrap(new ShapeScenes(3).draw("red", "triangle", 400, 300, false).bytes()));
        GenericRecord event = new GenericData.Record(schema);
        event.put("eventId", "interop-1");
        event.put("contentId", "interop-content");
        event.put("tenant", "other-language-client");
        event.put("uploaderId", null);
        event.put("image", image);
        event.put("mediaType", "image/png");
        event.put("metadata", Map.of());
        event.put("uploadedAt", Instant.now().toEpochMilli());
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(event);
        byte[] value = new byte[encoded.remaining()];
        encoded.get(value);
        assertThat(value[0]).isEqualTo((byte) 0xC3);
        assertThat(value[1]).isEqualTo((byte) 0x01);

        try (ClipGuardNode node = TestNode.start(settings)) {
            KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(), List.<byte[][]>of(KafkaIO.record("interop-content", value)));
            KafkaIO.Outputs out = KafkaIO.readOutputs(kafka.bootstrapServers(), topics, 1, Duration.ofSeconds(60));
            ModerationDecision d = out.decisions().get("interop-content").get(0);
            assertThat(d.getEventId()).isEqualTo("interop-1");
            assertThat(d.getAction()).isEqualTo(Action.BLOCK);
        }
    }
}
