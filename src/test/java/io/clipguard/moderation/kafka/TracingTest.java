package io.clipguard.moderation.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.config.Settings;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.telemetry.ModerationMetrics;
import io.clipguard.telemetry.Telemetry;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One trace per upload: the upload's {@code traceparent} is the parent of a consumer span
 * whose children are the stages (fetch, decode, embed, score, produce); the inference batch's
 * span links to each image's embed span; every output carries a {@code traceparent} of that
 * trace and the decision and audit name it. Spans go to an in-memory exporter.
 */
class TracingTest {
    static final TopicRegistry TOPICS = TestNode.registry(Map.of());
    static final String UPSTREAM_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String UPSTREAM_SPAN = "00f067aa0ba902b7";

    @TempDir
    Path dir;

    InMemorySpanExporter spans;
    Telemetry telemetry;
    ModerationRuntime runtime;
    TopologyTestDriver driver;
    TestInputTopic<byte[], byte[]> uploads;
    TestOutputTopic<String, byte[]> decisions;
    TestOutputTopic<String, byte[]> audit;
    TestOutputTopic<String, byte[]> embeddings;
    TestOutputTopic<String, byte[]> deadLetters;

    @BeforeEach
    void start() {
        spans = InMemorySpanExporter.create();
        telemetry = Telemetry.exportingTo(spans, new SimpleMeterRegistry());
        runtime = ModerationRuntime.open(Settings.load(TestNode.settings("unused:9092", "tracing-test", "test-instance", dir)), telemetry);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "tracing-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
        ModerationTopology.Parts parts = new ModerationTopology.Parts(runtime.moderator(), runtime.policies(), Clock.systemUTC(),
                OutputLimits.assumed(TOPICS.all(), Map.of()), (topic, partition, offsets) -> Map.of(), runtime.batcher().health(),
                InFlightWindow.defaults(), InFlightWindow.defaults().window(32), new FlowControl(), StreamTelemetry.of(telemetry, new ModerationMetrics(telemetry)));
        driver = new TopologyTestDriver(ModerationTopology.build(TOPICS, parts), props);
        uploads = driver.createInputTopic(TOPICS.uploaded().name(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        decisions = driver.createOutputTopic(TOPICS.decisions().name(), Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
        audit = driver.createOutputTopic(TOPICS.audit().name(), Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
        embeddings = driver.createOutputTopic(TOPICS.embeddings().name(), Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
        deadLetters = driver.createOutputTopic(TOPICS.deadLetters().name(), Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
        runtime.close();
        telemetry.close();
    }

    @Test
    void anUploadIsOneTraceUnderItsUpstreamParentAndEveryOutputCarriesIt() throws Exception {
        Headers headers = new RecordHeaders().add("traceparent", ("00-" + UPSTREAM_TRACE + "-" + UPSTREAM_SPAN + "-01")
                .getBytes(StandardCharsets.UTF_8));
        byte[] value = Uploads.bytes(Uploads.inline("t1", Uploads.scene(new ShapeScenes(5), "red", "triangle")));
        uploads.pipeInput(new TestRecord<>("t1".getBytes(StandardCharsets.UTF_8), value, headers));
        settle(() -> !decisions.isEmpty());

        TestRecord<String, byte[]> decision = decisions.readRecord();
        ModerationDecision d = AvroSerde.DECISION.decode(decision.value());
        assertThat(d.getTraceId()).isEqualTo(UPSTREAM_TRACE);
        AuditRecord a = AvroSerde.AUDIT.decode(audit.readRecord().value());
        assertThat(a.getTraceId()).isEqualTo(UPSTREAM_TRACE);

        SpanData moderate = awaitSpan("moderate");
        assertThat(moderate.getTraceId()).isEqualTo(UPSTREAM_TRACE);
        assertThat(moderate.getParentSpanId()).isEqualTo(UPSTREAM_SPAN);
        assertThat(moderate.getKind()).isEqualTo(SpanKind.CONSUMER);
        for (String stage : List.of("fetch", "decode", "embed", "score", "produce")) {
            assertThat(awaitSpan(stage).getParentSpanId()).as(stage + "'s parent").isEqualTo(moderate.getSpanId());
            assertThat(awaitSpan(stage).getTraceId()).isEqualTo(UPSTREAM_TRACE);
        }
        SpanData produce = awaitSpan("produce");
        String expected = "00-" + UPSTREAM_TRACE + "-" + produce.getSpanId() + "-01";
        assertThat(header(decision.headers())).isEqualTo(expected);
        assertThat(header(embeddings.readRecord().headers())).isEqualTo(expected);
        assertThat(decision.headers().headers("traceparent")).as("the upstream header is replaced, not repeated").hasSize(1);

        SpanData batch = awaitSpan("inference batch");
        assertThat(batch.getParentSpanContext().isValid()).as("a batch serves many traces: no parent").isFalse();
        assertThat(batch.getLinks()).extracting(l -> l.getSpanContext().getSpanId()).contains(awaitSpan("embed").getSpanId());
        assertThat(batch.getAttributes().asMap().toString()).contains("clipguard.batch.size");
    }

    @Test
    void aDeadLetterEndsItsTraceInErrorAndABadTraceparentStartsANewTrace() throws Exception {
        Headers garbage = new RecordHeaders().add("traceparent", "not-a-trace".getBytes(StandardCharsets.UTF_8));
        uploads.pipeInput(new TestRecord<>("bad".getBytes(StandardCharsets.UTF_8), "not avro".getBytes(StandardCharsets.UTF_8), garbage));
        settle(() -> !deadLetters.isEmpty());

        TestRecord<String, byte[]> letter = deadLetters.readRecord();
        DeadLetter l = AvroSerde.DEAD_LETTER.decode(letter.value());
        assertThat(l.getReasonCode()).isEqualTo("AVRO_UNDECODABLE");
        SpanData moderate = awaitSpan("moderate");
        assertThat(moderate.getParentSpanContext().isValid()).as("a malformed upstream header is ignored").isFalse();
        assertThat(moderate.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(moderate.getAttributes().asMap().toString()).contains("AVRO_UNDECODABLE");
        assertThat(header(letter.headers())).startsWith("00-" + moderate.getTraceId() + "-");
    }

    private void settle(java.util.concurrent.Callable<Boolean> done) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(5));
            return done.call();
        });
    }

    private SpanData awaitSpan(String name) {
        return Awaitility.await().atMost(Duration.ofSeconds(5)).until(
                () -> spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst().orElse(null),
                s -> s != null);
    }

    private static String header(Headers headers) {
        return new String(headers.lastHeader("traceparent").value(), StandardCharsets.UTF_8);
    }
}
