package io.clipguard.moderation.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import com.sun.net.httpserver.HttpServer;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.testing.Cli;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's loop after a misconfiguration: uploads by URI were dead-lettered because the
 * image host was not allowed; the host is allowed, and {@code dlq replay} sends exactly those
 * letters back, once, however often it runs: also when a replayed upload fails again, and when
 * two replays run at once. Bombs stay out unless named, and a replayed older upload does not
 * replace the latest decision of a newer one.
 */
class DeadLetterReplayIT {
    @TempDir
    Path dir;

    @Test
    void replayingFixedDeadLettersDecidesThemExactlyOnce() throws Exception {
        byte[] image = new ShapeScenes(5).draw("red", "triangle", 300, 300, false).bytes();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/img.png", ex -> {
            ex.sendResponseHeaders(200, image.length);
            ex.getResponseBody().write(image);
            ex.close();
        });
        server.start();
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            Map<String, String> settings = TestNode.settings(bootstrap, "replay", "a", dir);
            TestNode.ROLES.forEach(r -> settings.remove("clipguard.topics." + r));
            TopicRegistry topics = TestNode.registry(settings);
            String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/img.png";
            List<byte[][]> records = new ArrayList<>();
            List<String> byUri = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                byUri.add("uri-" + i);
                records.add(KafkaIO.record("uri-" + i, Uploads.bytes(Uploads.byUri("uri-" + i, uri))));
            }
            for (int i = 0; i < 3; i++) {
                records.add(KafkaIO.record("corrupt-" + i, Uploads.bytes(Uploads.inline("corrupt-" + i, java.util.Arrays.copyOf(image, 300)))));
            }
            records.add(KafkaIO.record("bomb", Uploads.bytes(Uploads.inline("bomb", io.clipguard.testing.PngBomb.declaring(30_000, 30_000)))));
            // "newer" is first sent by URI (a red triangle, dead-lettered), then again inline (a green circle, decided).
            records.add(KafkaIO.record("newer", Uploads.bytes(Uploads.byUri("newer", uri))));
            records.add(KafkaIO.record("newer", Uploads.bytes(Uploads.inline("newer", new ShapeScenes(6).draw("green", "circle", 300, 300,
                    false).bytes()))));
            // Step 1: no image host allowed: ten dead letters and a decision.
            try (ClipGuardNode node = TestNode.start(settings)) {
                KafkaIO.produce(bootstrap, topics.uploaded().name(), records);
                KafkaIO.Outputs out = KafkaIO.readOutputs(bootstrap, topics, 11, Duration.ofSeconds(60));
                assertThat(out.deadLetters()).hasSize(10);
                assertThat(out.decisions().get("newer")).singleElement().satisfies(d -> assertThat(d.getAction().name()).isEqualTo("ALLOW"));
                assertThat(out.deadLetters().get("uri-0").get(0).getReasonCode()).isEqualTo("FETCH_HOST_NOT_ALLOWED");
            }
            // Step 2: the host is allowed; a dry run reports and sends nothing.
            settings.put("clipguard.fetch.allowed-hosts", "127.0.0.1");
            settings.put("clipguard.fetch.allowed-networks", "127.0.0.0/8");
            try (ClipGuardNode node = TestNode.start(settings)) {
                Cli.Run dry = Cli.run("dlq", "replay", "--bootstrap-servers", bootstrap, "--reason", "FETCH_HOST_NOT_ALLOWED", "--dry-run");
                assertThat(dry.exit()).as(dry.err()).isZero();
                assertThat(dry.out()).contains("dry run: 10 dead letters scanned, 6 selected").containsPattern("would be replayed\\s+6");

                // Step 3: the replay sends the five back; each is decided once.
                Cli.Run replay = Cli.run("dlq", "replay", "--bootstrap-servers", bootstrap, "--reason", "FETCH_HOST_NOT_ALLOWED", "--since", "1h");
                assertThat(replay.exit()).as(replay.err()).isZero();
                assertThat(replay.out()).containsPattern("replayed\\s+6").contains("FETCH_HOST_NOT_ALLOWED");
                KafkaIO.Outputs out = KafkaIO.readOutputs(bootstrap, topics, 17, Duration.ofSeconds(60));
                assertThat(out.decisions().keySet()).containsAll(byUri);
                byUri.forEach(k -> assertThat(out.decisions().get(k)).singleElement()
                        .satisfies(d -> assertThat(d.getAction().name()).isEqualTo("BLOCK")));
                // The replayed first upload of "newer" is decided (BLOCK) and published, but the newer upload's decision stays the latest.
                assertThat(out.decisions().get("newer")).extracting(d -> d.getAction().name()).containsExactly("ALLOW", "BLOCK");
                DecisionLookup.Result latest = node.service().lookup("newer");
                assertThat(latest).isInstanceOfSatisfying(DecisionLookup.Result.Found.class,
                        f -> assertThat(f.decision().getDecision().getAction().name()).isEqualTo("ALLOW"));

                // Step 4: run again (or with a selection that overlaps): nothing is sent twice; the bomb stays out unless named.
                Cli.Run again = Cli.run("dlq", "replay", "--bootstrap-servers", bootstrap);
                assertThat(again.out()).contains("10 dead letters scanned, 9 selected").containsPattern("already replayed \\(skipped\\)\\s+6")
                        .containsPattern("replayed\\s+3");
                KafkaIO.Outputs last = KafkaIO.readOutputs(bootstrap, topics, 20, Duration.ofSeconds(60));
                byUri.forEach(k -> assertThat(last.decisions().get(k)).hasSize(1));
                assertThat(last.deadLetters().get("corrupt-0")).hasSize(2);
                assertThat(last.deadLetters().get("bomb")).hasSize(1);
                // Step 5: the corrupt uploads failed again; their new letters name the same origin, so a third run sends nothing.
                Cli.Run third = Cli.run("dlq", "replay", "--bootstrap-servers", bootstrap);
                assertThat(third.out()).contains("13 dead letters scanned, 12 selected").containsPattern("already replayed \\(skipped\\)\\s+12")
                        .containsPattern("\\n  replayed\\s+0");

                // Step 6: two replays at once over forty fresh letters: each upload is sent once.
                List<byte[][]> more = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    more.add(KafkaIO.record("twice-" + i, Uploads.bytes(Uploads.inline("twice-" + i, java.util.Arrays.copyOf(image, 300)))));
                }
                KafkaIO.produce(bootstrap, topics.uploaded().name(), more);
                KafkaIO.readOutputs(bootstrap, topics, 60, Duration.ofSeconds(60));
                java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
                List<java.util.concurrent.Future<Cli.Run>> runs = new ArrayList<>();
                for (int r = 0; r < 2; r++) {
                    runs.add(two.submit(() -> Cli.run("dlq", "replay", "--bootstrap-servers", bootstrap, "--reason", "IMAGE_CORRUPT")));
                }
                for (java.util.concurrent.Future<Cli.Run> f : runs) {
                    Cli.Run run = f.get();
                    assertThat(run.exit()).as(run.err()).isIn(0, 6);
                    if (run.exit() == 6) {
                        assertThat(run.err()).startsWith("REPLAY_FENCED");
                    }
                }
                two.shutdown();
                KafkaIO.Outputs after = KafkaIO.readOutputs(bootstrap, topics, 100, Duration.ofSeconds(60));
                for (int i = 0; i < 40; i++) {
                    assertThat(after.deadLetters().get("twice-" + i)).as("twice-" + i + ": sent once, dead-lettered once more").hasSize(2);
                }
                Cli.Run bad = Cli.run("dlq", "replay", "--bootstrap-servers", bootstrap, "--reason", "NO_SUCH_CODE");
                assertThat(bad.exit()).isEqualTo(2);
                assertThat(bad.err()).startsWith("INVALID_ARGUMENT:").contains("NO_SUCH_CODE");
            }
        } finally {
            server.stop(0);
        }
    }
}
