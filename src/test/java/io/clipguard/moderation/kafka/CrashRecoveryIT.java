package io.clipguard.moderation.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicCreator;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.Serve;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real crash: {@code ./clipguard serve} is killed with SIGKILL mid-stream and started
 * again. A read_committed consumer must then see exactly one output per input. Also checks
 * {@code GET /decisions/{contentId}} on the restarted instance.
 */
class CrashRecoveryIT {
    private static final int EVENTS = 300;
    private static final String READER_PASSWORD = "decision reader password";
    /** Lookups need a login; forwarded lookups carry it to the instance that owns the key. */
    private static final String AUTHORIZATION = "Basic " + java.util.Base64.getEncoder().encodeToString(("reader:" + READER_PASSWORD)
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));

    /** Kept when the test fails: the instances' logs ({@code first.err}, {@code second.err}, {@code peer.err}) say why. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private Process serve(String bootstrap, int httpPort, String name) throws Exception {
        return serve(bootstrap, httpPort, name, "crash-test");
    }

    private Process serve(String bootstrap, int httpPort, String name, String instance) throws Exception {
        Path users = dir.resolve("users");
        if (!java.nio.file.Files.exists(users)) {
            io.clipguard.api.security.UserFile.put(users, "reader", READER_PASSWORD.toCharArray(), java.util.Set.of("viewer"));
        }
        return Serve.start(dir, name, httpPort, Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "CLIPGUARD_STREAM_INSTANCE_ID", instance,
                "CLIPGUARD_STREAM_STATE_DIR", dir.resolve("state-" + instance).toString(), "CLIPGUARD_USERS_FILE", users.toString()),
                "--stream-threads", "2");
    }

    private static int freePort() throws Exception {
        return Serve.freePort();
    }

    @Test
    void killedMidStreamAndRestartedLosesAndDuplicatesNothing() throws Exception {
        TopicRegistry topics = TestNode.registry(Map.of());
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            ShapeScenes scenes = new ShapeScenes(77);
            List<String> keys = new ArrayList<>();
            List<byte[][]> records = new ArrayList<>();
            for (int i = 0; i < EVENTS; i++) {
                String key = "crash-" + i;
                keys.add(key);
                records.add(KafkaIO.record(key, Uploads.bytes(Uploads.inline(key,
                        scenes.draw(ShapeScenes.COLOURS.get(i % 4), ShapeScenes.SHAPES.get(i % 3), 240, 180, true).bytes()))));
            }
            // Step 1: topics ready, the backlog written, the first instance started.
            TopicCreator.ensure(KafkaClients.of(kafka.bootstrapServers()), topics.all());
            KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(), records);
            int port = freePort();
            long start = System.nanoTime();
            Process first = serve(kafka.bootstrapServers(), port, "first");

            // Step 2: kill -9 once some, but not all, outputs are committed.
            int committedAtKill = waitForOutputs(kafka.bootstrapServers(), topics, 40, Duration.ofSeconds(120));
            first.destroyForcibly();
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(first.exitValue()).as("killed by SIGKILL").isEqualTo(137);
            assertThat(committedAtKill).as("the kill must land mid-stream").isBetween(40, EVENTS - 1);

            // Step 3: restart with the same application id and state directory; everything is decided once.
            System.out.printf("crash test: killed at %.1f s%n", (System.nanoTime() - start) / 1e9);
            Process second = serve(kafka.bootstrapServers(), port, "second");
            try {
                KafkaIO.Outputs out = KafkaIO.readOutputs(kafka.bootstrapServers(), topics, EVENTS, Duration.ofSeconds(180));
                System.out.printf("crash test: every output at %.1f s%n", (System.nanoTime() - start) / 1e9);
                System.out.printf("crash test: %d committed before the kill, %d after restart%n", committedAtKill, out.total());
                assertThat(out.notExactlyOnce(keys)).isEmpty();
                assertThat(out.total()).isEqualTo(EVENTS);

                // Step 4: the restarted instance answers decision lookups.
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> found = getWhenReady(http, "http://localhost:" + port + "/decisions/crash-7");
                assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
                assertThat(found.body()).contains("\"contentId\":\"crash-7\"").contains("\"audit\"").contains("\"action\"");
                HttpResponse<String> missing = getWhenReady(http, "http://localhost:" + port + "/decisions/no-such-content");
                assertThat(missing.statusCode()).isEqualTo(404);
                assertThat(missing.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
                assertThat(missing.body()).contains("DECISION_NOT_FOUND");

                // Step 5: a second instance joins; each answers for every key, forwarding to the owner.
                int peerPort = freePort();
                Process peer = serve(kafka.bootstrapServers(), peerPort, "peer", "peer");
                try {
                    // Ownership moves while the peer joins: retry whole passes until the group has settled.
                    Awaitility.await("both instances answer every key alike").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                            .ignoreExceptions().untilAsserted(() -> {
                                java.util.Set<String> servedBy = new java.util.HashSet<>();
                                for (int i = 0; i < 30; i++) {
                                    HttpResponse<String> viaFirst = getWhenReady(http, "http://localhost:" + port + "/decisions/crash-" + i);
                                    HttpResponse<String> viaPeer = getWhenReady(http, "http://localhost:" + peerPort + "/decisions/crash-" + i);
                                    String owner = viaFirst.headers().firstValue("X-ClipGuard-Served-By").orElse("none");
                                    assertThat(viaFirst.statusCode()).isEqualTo(200);
                                    assertThat(viaPeer.statusCode()).isEqualTo(200);
                                    assertThat(viaPeer.body()).contains("\"contentId\":\"crash-" + i + "\"");
                                    assertThat(viaPeer.headers().firstValue("X-ClipGuard-Served-By")).hasValue(owner);
                                    servedBy.add(owner);
                                }
                                assertThat(servedBy).as("both instances own keys, so some answers were forwarded")
                                        .containsExactlyInAnyOrder("crash-test", "peer");
                            });
                    System.out.printf("crash test: both instances answer alike at %.1f s%n", (System.nanoTime() - start) / 1e9);
                } finally {
                    peer.destroy();
                    assertThat(peer.waitFor(60, TimeUnit.SECONDS)).isTrue();
                }
            } finally {
                second.destroy();
                assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    /** The answer once the instance listens and its store can answer (not 503, 502 or 421, which rebalancing gives). */
    private static HttpResponse<String> getWhenReady(HttpClient http, String url) {
        return Awaitility.await(url).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).ignoreException(java.io.IOException.class)
                .until(() -> http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", AUTHORIZATION).GET().build(),
                                HttpResponse.BodyHandlers.ofString()),
                        r -> r.statusCode() != 503 && r.statusCode() != 502 && r.statusCode() != 421);
    }

    /** Polls (read_committed) until at least {@code min} outputs are visible; returns how many were. */
    private static int waitForOutputs(String bootstrap, TopicRegistry topics, int min, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "crash-watch-" + System.nanoTime(), "auto.offset.reset", "earliest", "isolation.level", "read_committed"),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.decisions().name(), topics.deadLetters().name()));
            while (seen < min && System.nanoTime() < deadline) {
                seen += consumer.poll(Duration.ofMillis(100)).count();
            }
        }
        assertThat(seen).as("outputs before the kill").isGreaterThanOrEqualTo(min);
        return seen;
    }
}
