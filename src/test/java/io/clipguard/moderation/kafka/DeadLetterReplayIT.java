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
 * letters back, once, however often it runs.
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
            // Step 1: no image host allowed: eight dead letters.
            try (ClipGuardNode node = TestNode.start(settings)) {
                KafkaIO.produce(bootstrap, topics.uploaded().name(), records);
                KafkaIO.Outputs out = KafkaIO.readOutputs(bootstrap, topics, 8, Duration.ofSeconds(60));
                assertThat(out.deadLetters()).hasSize(8);
                assertThat(out.deadLetters().get("uri-0").get(0).getReasonCode()).isEqualTo("FETCH_HOST_NOT_ALLOWED");
            }
            // Step 2: the host is allowed; a dry run reports and sends nothing.
            settings.put("clipguard.fetch.allowed-hosts", "127.0.0.1");
            settings.put("clipguard.fetch.allowed-networks", "127.0.0.0/8");
            try (ClipGuardNode node = TestNode.start(settings)) {
                Cli.Run dry = Cli.run("dlq", "replay", "--bootstrap-servers", bootstrap, "--reason", "FETCH_HOST_NOT_ALLOWED", "--dry-run");
                assertThat(dry.exit()).as(dry.err()).isZero();
                assertThat(dry.out()).contains("dry run: 8 dead letters scanned, 5 selected").containsPattern("would be replayed\\s+5");

                // Step 3: the replay sends the five back; each is decided once.
                Cli.Run replay = Cli.run("dlq", "replay", "--bootstrap-servers", bootstrap, "--reason", "FETCH_HOST_NOT_ALLOWED", "--since", "1h");
                assertThat(replay.exit()).as(replay.err()).isZero();
                assertThat(replay.out()).containsPattern("replayed\\s+5").contains("FETCH_HOST_NOT_ALLOWED");
                KafkaIO.Outputs out = KafkaIO.readOutputs(bootstrap, topics, 13, Duration.ofSeconds(60));
                assertThat(out.decisions().keySet()).containsExactlyInAnyOrderElementsOf(byUri);
                byUri.forEach(k -> assertThat(out.decisions().get(k)).singleElement()
                        .satisfies(d -> assertThat(d.getAction().name()).isEqualTo("BLOCK")));

                // Step 4: run again (or with a selection that overlaps): nothing is sent twice.
                Cli.Run again = Cli.run("dlq", "replay", "--bootstrap-servers", bootstrap);
                assertThat(again.out()).containsPattern("already replayed \\(skipped\\)\\s+5").containsPattern("replayed\\s+3");
                KafkaIO.Outputs last = KafkaIO.readOutputs(bootstrap, topics, 16, Duration.ofSeconds(60));
                assertThat(last.decisions().values()).allSatisfy(l -> assertThat(l).hasSize(1));
                assertThat(last.deadLetters().get("corrupt-0")).hasSize(2);
                Cli.Run bad = Cli.run("dlq", "replay", "--bootstrap-servers", bootstrap, "--reason", "NO_SUCH_CODE");
                assertThat(bad.exit()).isEqualTo(2);
                assertThat(bad.err()).startsWith("INVALID_ARGUMENT:").contains("NO_SUCH_CODE");
            }
        } finally {
            server.stop(0);
        }
    }
}
