package io.clipguard.moderation.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.config.Settings;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.schema.Action;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.EmbeddingRecord;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.StoredDecision;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.awaitility.Awaitility;
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
        runtime = ModerationRuntime.open(Settings.load(TestNode.settings("unused:9092", "topology-test", "test-instance", dir)));
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
        ModerationTopology.Parts parts = new ModerationTopology.Parts(runtime.moderator(), runtime.policies(), Clock.systemUTC(),
                OutputLimits.assumed(TOPICS.all(), Map.of()), (topic, partition, offsets) -> Map.of(), runtime.batcher().health(),
                InFlightWindow.defaults(), InFlightWindow.defaults().window(32), new FlowControl(), StreamTelemetry.none());
        driver = new TopologyTestDriver(ModerationTopology.build(TOPICS, parts), props);
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

    /** Lets the wall clock run (the punctuator forwards finished uploads) until {@code outputs} decisions and dead letters are out. */
    private void settle(int outputs) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(5));
            return decisions.getQueueSize() + deadLetters.getQueueSize() >= outputs;
        });
    }

    @Test
    void redTriangleIsBlockedWithAuditEmbeddingAndStoreEntry() {
        send("c1", Uploads.bytes(Uploads.inline("c1", Uploads.scene(scenes, "red", "triangle"))));
        settle(1);
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
        // The prompts are the policy version's (on the policy topic); the record names the version and the vectors' hash.
        assertThat(a.getPrompts()).isEmpty();
        assertThat(a.getPromptsHash()).isEqualTo(runtime.policy().promptsHash());
        assertThat(a.getPolicyVersion()).isEqualTo(d.getPolicyVersion());
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
    void aMegabyteOfHeadersIsOneDeadLetterWithoutThemAndOutputsCarryOnlyClipGuardHeaders() {
        org.apache.kafka.common.header.internals.RecordHeaders huge = new org.apache.kafka.common.header.internals.RecordHeaders();
        huge.add("x-padding", new byte[1 << 20]);
        uploads.pipeInput(new org.apache.kafka.streams.test.TestRecord<>("big".getBytes(StandardCharsets.UTF_8),
                Uploads.bytes(Uploads.inline("big", Uploads.scene(scenes, "red", "triangle"))), huge));
        org.apache.kafka.common.header.internals.RecordHeaders ordinary = new org.apache.kafka.common.header.internals.RecordHeaders();
        ordinary.add("x-request-id", "abc".getBytes(StandardCharsets.UTF_8));
        ordinary.add("clipguard-replay-of", "dlq:0:5".getBytes(StandardCharsets.UTF_8));
        ordinary.add("clipguard-origin", (TOPICS.uploaded().name() + ":0:0").getBytes(StandardCharsets.UTF_8));
        uploads.pipeInput(new org.apache.kafka.streams.test.TestRecord<>("next".getBytes(StandardCharsets.UTF_8),
                Uploads.bytes(Uploads.inline("next", Uploads.scene(scenes, "red", "triangle"))), ordinary));
        settle(2);
        var letter = deadLetters.readRecord();
        assertThat(deadLetters.isEmpty()).as("exactly one output for the oversized record").isTrue();
        assertThat(letter.value().getReasonCode()).isEqualTo("FIELD_TOO_LARGE");
        assertThat(letter.value().getMessage()).contains("bytes, at most 16384");
        assertThat(letter.headers().lastHeader("x-padding")).isNull();
        assertThat(letter.headers().lastHeader("clipguard-source")).isNotNull();
        var decided = decisions.readRecord();
        assertThat(decided.key()).isEqualTo("next");
        assertThat(decided.value().getAction()).isEqualTo(Action.BLOCK);
        List<String> carried = new java.util.ArrayList<>();
        decided.headers().forEach(h -> carried.add(h.key()));
        // A producer's claims to be a replay travel nowhere: the origin names a record with other bytes.
        assertThat(carried).contains("clipguard-source").isSubsetOf("clipguard-source", "traceparent", "tracestate");
    }

    @Test
    void aReplayOfAnOlderUploadIsPublishedButDoesNotReplaceTheNewerDecisionAndAForgedOriginIsIgnored() {
        // A driver whose source reader answers from what was piped in, as the uploads topic would.
        Map<Long, org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> sent = new java.util.HashMap<>();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state-origin").toString());
        ModerationTopology.Parts parts = new ModerationTopology.Parts(runtime.moderator(), runtime.policies(), Clock.systemUTC(),
                OutputLimits.assumed(TOPICS.all(), Map.of()), (topic, partition, offsets) -> {
                    Map<Long, org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> found = new java.util.HashMap<>();
                    offsets.forEach(o -> {
                        if (sent.containsKey(o)) {
                            found.put(o, sent.get(o));
                        }
                    });
                    return found;
                }, runtime.batcher().health(), InFlightWindow.defaults(), InFlightWindow.defaults().window(32), new FlowControl(), StreamTelemetry.none());
        try (TopologyTestDriver replays = new TopologyTestDriver(ModerationTopology.build(TOPICS, parts), props)) {
            var in = replays.createInputTopic(TOPICS.uploaded().name(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
            var out = replays.createOutputTopic(TOPICS.decisions().name(), Serdes.String().deserializer(), AvroSerde.DECISION.deserializer());
            byte[] red = Uploads.bytes(Uploads.inline("c", Uploads.scene(scenes, "red", "triangle")));
            byte[] green = Uploads.bytes(Uploads.inline("c", Uploads.scene(scenes, "green", "circle")));
            byte[] key = "c".getBytes(StandardCharsets.UTF_8);
            sent.put(0L, new org.apache.kafka.clients.consumer.ConsumerRecord<>(TOPICS.uploaded().name(), 0, 0L, key, red));
            sent.put(1L, new org.apache.kafka.clients.consumer.ConsumerRecord<>(TOPICS.uploaded().name(), 0, 1L, key, green));
            in.pipeInput(key, red);
            in.pipeInput(key, green);
            org.apache.kafka.common.header.internals.RecordHeaders replay = new org.apache.kafka.common.header.internals.RecordHeaders();
            replay.add("clipguard-origin", (TOPICS.uploaded().name() + ":0:0").getBytes(StandardCharsets.UTF_8));
            in.pipeInput(new org.apache.kafka.streams.test.TestRecord<>(key, red, replay));
            List<org.apache.kafka.streams.test.TestRecord<String, ModerationDecision>> decided = new java.util.ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5)).until(() -> {
                replays.advanceWallClockTime(Duration.ofMillis(5));
                decided.addAll(out.readRecordsToList());
                return decided.size() >= 3;
            });
            assertThat(decided).extracting(r -> r.value().getAction()).containsExactly(Action.BLOCK, Action.ALLOW, Action.BLOCK);
            assertThat(decided.get(2).headers().lastHeader("clipguard-origin")).as("a checked origin travels on").isNotNull();
            KeyValueStore<String, StoredDecision> store = replays.getKeyValueStore(ModerationTopology.DECISION_STORE);
            assertThat(store.get("c").getDecision().getAction()).as("the newer upload's decision stays the latest").isEqualTo(Action.ALLOW);
            assertThat(store.get("c").getAudit().getOrigin()).isNull();

            // The same claim on other bytes (offset 0 holds the red image, not this one) counts for nothing.
            byte[] blue = Uploads.bytes(Uploads.inline("c", Uploads.scene(scenes, "blue", "square")));
            in.pipeInput(new org.apache.kafka.streams.test.TestRecord<>(key, blue, replay));
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5)).until(() -> {
                replays.advanceWallClockTime(Duration.ofMillis(5));
                decided.addAll(out.readRecordsToList());
                return decided.size() >= 4;
            });
            assertThat(decided.get(3).headers().lastHeader("clipguard-origin")).isNull();
            assertThat(store.get("c").getAudit().getSource().getOffset()).as("the forged one is the latest upload").isEqualTo(3L);
        }
    }

    @Test
    void demoWorldDecisionsFollowThePolicy() {
        send("y", Uploads.bytes(Uploads.inline("y", Uploads.scene(scenes, "yellow", "circle"))));
        send("g", Uploads.bytes(Uploads.inline("g", Uploads.scene(scenes, "green", "square"))));
        send("r", Uploads.bytes(Uploads.inline("r", Uploads.scene(scenes, "red", "circle"))));
        settle(3);
        assertThat(decisions.readKeyValuesToMap()).extractingFromEntries(e -> e.getKey() + "=" + e.getValue().getAction())
                .containsExactlyInAnyOrder("y=REVIEW", "g=ALLOW", "r=ALLOW");
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
        settle(9);
        assertThat(deadLetters.readKeyValuesToList()).extracting(kv -> kv.key + "=" + kv.value.getReasonCode()).containsExactlyInAnyOrder(
                "garbage=AVRO_UNDECODABLE", "empty=VALUE_MISSING", "unknown=SCHEMA_UNKNOWN", "truncated-avro=AVRO_UNDECODABLE",
                "no-image=IMAGE_EMPTY", "not-image=IMAGE_UNSUPPORTED_FORMAT", "uri=FETCH_HOST_NOT_ALLOWED", "null=FIELD_MISSING");
        assertThat(decisions.readKeyValue().key).isEqualTo("ok");
    }

    @Test
    void deadLetterKeepsTheOriginalBytesAndPosition() {
        byte[] value = {7, 7, 7};
        send("k", value);
        settle(1);
        var letter = deadLetters.readKeyValue();
        assertThat(letter.key).isEqualTo("k");
        DeadLetter d = letter.value;
        assertThat(d.getOriginalValue().array()).containsExactly(value);
        assertThat(new String(d.getOriginalKey().array(), StandardCharsets.UTF_8)).isEqualTo("k");
        assertThat(d.getSourceTopic()).isEqualTo(TOPICS.uploaded().name());
        assertThat(d.getSourceOffset()).isZero();
        assertThat(d.getMessage()).isNotBlank();
    }

    @Test
    void anOverLongFieldIsADeadLetterWithABoundedKey() {
        String huge = "e".repeat(1_100_000);
        var event = Uploads.inline("c-long", Uploads.scene(scenes, "red", "triangle"));
        event.setEventId(huge);
        send("c-long", Uploads.bytes(event));
        String longId = "x".repeat(300);
        send(longId, Uploads.bytes(Uploads.inline(longId, Uploads.scene(scenes, "blue", "circle"))));
        settle(2);
        var letters = deadLetters.readKeyValuesToMap();
        assertThat(letters.get("c-long").getReasonCode()).isEqualTo("FIELD_TOO_LARGE");
        assertThat(letters.get("c-long").getMessage()).contains("eventId has 1100000 characters, at most 256");
        assertThat(letters.get("c-long").getEventId()).hasSize(256).endsWith("(truncated)");
        assertThat(letters.get("c-long").getOriginalValue().remaining()).isGreaterThan(1_100_000);
        assertThat(letters.get("sha256:" + sha256(longId)).getReasonCode()).isEqualTo("FIELD_TOO_LARGE");
        assertThat(decisions.isEmpty()).isTrue();
    }

    @Test
    void aTwoGibibyteLengthPrefixIsUndecodableAtOnce() {
        byte[] good = Uploads.bytes(Uploads.inline("ok", Uploads.scene(scenes, "blue", "circle")));
        // Header (2 bytes) and fingerprint (8), then the eventId's length: zig-zag varint of 1 GiB.
        byte[] evil = java.util.Arrays.copyOf(good, 15);
        byte[] length = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};
        System.arraycopy(length, 0, evil, 10, 5);
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        send("evil", evil);
        long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        settle(1);
        DeadLetter letter = deadLetters.readValue();
        assertThat(letter.getReasonCode()).isEqualTo("AVRO_UNDECODABLE");
        assertThat(letter.getMessage()).contains("String length 1073741824 exceeds maximum allowed");
        assertThat(after - before).as("bytes allocated by the attempt").isLessThan(256L << 20);
    }

    @Test
    void anOutputOverItsTopicsLimitBecomesADeadLetterInsteadOfAFailedTransaction() {
        driver.close();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-small");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state-small").toString());
        // The audit topic takes 200 bytes beyond the room kept for headers here: an audit record does not fit.
        OutputLimits small = OutputLimits.assumed(TOPICS.all(), Map.of(TOPICS.audit().name(), OutputLimits.OVERHEAD + 200));
        driver = new TopologyTestDriver(ModerationTopology.build(TOPICS, new ModerationTopology.Parts(runtime.moderator(), runtime.policies(),
                Clock.systemUTC(), small, (topic, partition, offsets) -> Map.of(), runtime.batcher().health(), InFlightWindow.defaults(),
                InFlightWindow.defaults().window(32), new FlowControl(), StreamTelemetry.none())), props);
        uploads = driver.createInputTopic(TOPICS.uploaded().name(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        decisions = driver.createOutputTopic(TOPICS.decisions().name(), Serdes.String().deserializer(), AvroSerde.DECISION.deserializer());
        deadLetters = driver.createOutputTopic(TOPICS.deadLetters().name(), Serdes.String().deserializer(), AvroSerde.DEAD_LETTER.deserializer());
        send("big", Uploads.bytes(Uploads.inline("big", Uploads.scene(scenes, "red", "triangle"))));
        settle(1);
        DeadLetter letter = deadLetters.readValue();
        assertThat(letter.getReasonCode()).isEqualTo("RECORD_TOO_LARGE");
        assertThat(letter.getMessage()).contains("audit");
        assertThat(decisions.isEmpty()).as("no output of an upload that became a dead letter").isTrue();
    }

    private static String sha256(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
