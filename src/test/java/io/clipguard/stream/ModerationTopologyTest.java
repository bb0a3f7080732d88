package io.clipguard.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.clipguard.config.Settings;
import io.clipguard.demo.ShapeScenes;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.node.ClipGuardNode;
import io.clipguard.schema.Action;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.EmbeddingRecord;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.StoredDecision;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topology on {@code TopologyTestDriver}, with the real demo model and policy: no broker. */
class ModerationTopologyTest {
    @TempDir
    static Path dir;
    static ModerationRuntime runtime;
    static final TopicRegistry TOPICS = TestNode.registry(Map.of());

    TopologyTestDriver driver;
    TestInputTopic<byte[], byte[]> uploads;
    TestOutputTopic<String, ModerationDecision> decisions;
    TestOutputTopic<String, AuditRecord> audit;
    TestOutputTopic<String, EmbeddingRecord> embeddings;
    TestOutputTopic<String, DeadLetter> deadLetters;
    final ShapeScenes scenes = new ShapeScenes(11);

    @BeforeAll
    static void runtime() throws Exception {
        runtime = ClipGuardNode.openRuntime(Settings.load(TestNode.settings("unused:9092", "topology-test", "test-instance", dir)));
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    @BeforeEach
    void driver() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
        driver = new TopologyTestDriver(ModerationTopology.build(TOPICS, runtime.moderator(), runtime.policies(), Clock.systemUTC()), props);
        uploads = driver.createInputTopic(TOPICS.uploaded().name(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        decisions = driver.createOutputTopic(TOPICS.decisions().name(), Serdes.String().deserializer(), AvroSerde.DECISION.deserializer());
        audit = driver.createOutputTopic(TOPICS.audit().name(), Serdes.String().deserializer(), AvroSerde.AUDIT.deserializer());
        embeddings = driver.createOutputTopic(TOPICS.embeddings().name(), Serdes.String().deserializer(), AvroSerde.EMBEDDING.deserializer());
        deadLetters = driver.createOutputTopic(TOPICS.deadLetters().name(), Serdes.String().deserializer(), AvroSerde.DEAD_LETTER.deserializer());
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    private void send(String key, byte[] value) {
        uploads.pipeInput(key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }

    @Test
    void redTriangleIsBlockedWithAuditEmbeddingAndStoreEntry() {
        send("c1", Uploads.bytes(Uploads.inline("c1", Uploads.scene(scenes, "red", "triangle"))));
        var decision = decisions.readKeyValue();
        assertThat(decision.key).isEqualTo("c1");
        ModerationDecision d = decision.value;
        assertThat(d.getAction()).isEqualTo(Action.BLOCK);
        assertThat(d.getTriggeringCategory()).isEqualTo("red-triangle");
        assertThat(d.getPolicyId()).isEqualTo("demo-shapes");
        assertThat(d.getPolicyHash()).startsWith("sha256:");
        assertThat(d.getModelDigest()).isEqualTo(runtime.engine().identity().digest());
        assertThat(d.getScores()).hasSize(2);
        assertThat(d.getInstanceId()).isEqualTo("test-instance");
        assertThat(d.getTimings().getEmbedMs()).isPositive();

        AuditRecord a = audit.readValue();
        assertThat(a.getRule()).startsWith("red-triangle: probability");
        assertThat(a.getImage().getSha256()).hasSize(64);
        assertThat(a.getImage().getFormat()).isEqualTo("jpeg");
        assertThat(a.getPrompts()).extracting(p -> p.getCategory()).containsExactly("red-triangle", "yellow-shape", "benign");
        assertThat(a.getBatch().getSize()).isEqualTo(1);
        assertThat(a.getSource().getTopic()).isEqualTo(TOPICS.uploaded().name());

        EmbeddingRecord e = embeddings.readValue();
        assertThat(e.getVector()).hasSize(runtime.engine().dimension());
        assertThat(e.getImageSha256()).isEqualTo(a.getImage().getSha256());
        assertThat(deadLetters.isEmpty()).isTrue();

        KeyValueStore<String, StoredDecision> store = driver.getKeyValueStore(ModerationTopology.DECISION_STORE);
        assertThat(store.get("c1").getDecision().getEventId()).isEqualTo("evt-c1");
    }

    @Test
    void demoWorldDecisionsFollowThePolicy() {
        send("y", Uploads.bytes(Uploads.inline("y", Uploads.scene(scenes, "yellow", "circle"))));
        send("g", Uploads.bytes(Uploads.inline("g", Uploads.scene(scenes, "green", "square"))));
        send("r", Uploads.bytes(Uploads.inline("r", Uploads.scene(scenes, "red", "circle"))));
        assertThat(decisions.readValuesToList()).extracting(ModerationDecision::getAction)
                .containsExactly(Action.REVIEW, Action.ALLOW, Action.ALLOW);
    }

    @Test
    void badInputBecomesOneDeadLetterEachAndTheStreamGoesOn() {
        byte[] good = Uploads.bytes(Uploads.inline("ok", Uploads.scene(scenes, "blue", "circle")));
        send("garbage", new byte[] {1, 2, 3});
        send("empty", new byte[0]);
        byte[] unknownFingerprint = good.clone();
        unknownFingerprint[5] ^= 0x55;
        send("unknown", unknownFingerprint);
        send("truncated-avro", java.util.Arrays.copyOf(good, 20));
        send("no-image", Uploads.bytes(Uploads.inline("no-image", new byte[0])));
        send("not-image", Uploads.bytes(Uploads.inline("not-image", new byte[] {9, 9, 9, 9, 9, 9, 9, 9})));
        send("uri", Uploads.bytes(Uploads.byUri("uri", "https://example.com/a.jpg")));
        send(null, Uploads.bytes(Uploads.inline("", Uploads.scene(scenes, "red", "square"))));
        send("ok", good);
        assertThat(deadLetters.readValuesToList()).extracting(DeadLetter::getReasonCode).containsExactly(
                "AVRO_UNDECODABLE", "VALUE_MISSING", "SCHEMA_UNKNOWN", "AVRO_UNDECODABLE", "IMAGE_EMPTY",
                "IMAGE_UNSUPPORTED_FORMAT", "FETCH_HOST_NOT_ALLOWED", "FIELD_MISSING");
        assertThat(decisions.readKeyValue().key).isEqualTo("ok");
    }

    @Test
    void deadLetterKeepsTheOriginalBytesAndPosition() {
        byte[] value = {7, 7, 7};
        send("k", value);
        var letter = deadLetters.readKeyValue();
        assertThat(letter.key).isEqualTo("k");
        DeadLetter d = letter.value;
        assertThat(d.getOriginalValue().array()).containsExactly(value);
        assertThat(new String(d.getOriginalKey().array(), StandardCharsets.UTF_8)).isEqualTo("k");
        assertThat(d.getSourceTopic()).isEqualTo(TOPICS.uploaded().name());
        assertThat(d.getSourceOffset()).isZero();
        assertThat(d.getMessage()).isNotBlank();
    }
}
