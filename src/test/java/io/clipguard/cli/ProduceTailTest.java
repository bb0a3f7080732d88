package io.clipguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipguard.demo.ShapeScenes;
import io.clipguard.fetch.FetchSettings;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.stream.ModerationService;
import io.clipguard.stream.ServiceSettings;
import io.clipguard.stream.TopicRegistry;
import io.clipguard.testing.Uploads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code produce} and {@code tail} against a running service on the embedded broker. */
class ProduceTailTest {
    @TempDir
    Path dir;

    @Test
    void producedImagesAreDecidedAndTailedAsJson() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             ModerationRuntime runtime = Uploads.demoRuntime(dir, "cli-test", FetchSettings.inlineOnly());
             ModerationService service = new ModerationService(new ServiceSettings(kafka.bootstrapServers(), "cli", "a",
                     dir.resolve("state"), 2, null, TopicRegistry.defaults()), runtime).start()) {
            ShapeScenes scenes = new ShapeScenes(4);
            Path triangle = Files.write(dir.resolve("triangle.jpg"), scenes.draw("red", "triangle", 300, 300, true).bytes());
            Path square = Files.write(dir.resolve("square.png"), scenes.draw("green", "square", 300, 200, false).bytes());

            // Step 1: produce two inline images and one URI (refused: no host is allowed).
            CommandLineTest.Run produced = CommandLineTest.run("produce", "--bootstrap-servers", kafka.bootstrapServers(),
                    "--image", triangle.toString(), "--image", square.toString(), "--uri", "https://elsewhere.example/x.jpg");
            assertThat(produced.exit()).as(produced.err()).isZero();
            List<JsonNode> events = produced.jsonLines();
            assertThat(events).hasSize(3);
            String triangleId = events.get(0).get("contentId").asText();
            assertThat(triangleId).startsWith("triangle.jpg-");

            // Step 2: tail the decisions and the dead letters.
            CommandLineTest.Run decisions = CommandLineTest.run("tail", "moderation.decisions", "--bootstrap-servers", kafka.bootstrapServers(),
                    "--from-beginning", "--max", "2", "--timeout-s", "60");
            assertThat(decisions.exit()).as(decisions.err()).isZero();
            List<JsonNode> lines = decisions.jsonLines();
            assertThat(lines).hasSize(2);
            JsonNode triangleDecision = lines.stream().filter(l -> l.get("key").asText().equals(triangleId)).findFirst().orElseThrow();
            assertThat(triangleDecision.get("value").get("action").asText()).isEqualTo("BLOCK");
            assertThat(triangleDecision.get("value").get("scores").get(0).get("category").asText()).isEqualTo("red-triangle");

            CommandLineTest.Run dlq = CommandLineTest.run("tail", "moderation.dlq", "--bootstrap-servers", kafka.bootstrapServers(),
                    "--from-beginning", "--max", "1", "--timeout-s", "60");
            assertThat(dlq.jsonLines().get(0).get("value").get("reasonCode").asText()).isEqualTo("FETCH_HOST_NOT_ALLOWED");
        }

        CommandLineTest.Run nothing = CommandLineTest.run("produce", "--bootstrap-servers", "localhost:1");
        assertThat(nothing.exit()).isEqualTo(2);
        assertThat(nothing.err()).contains("give at least one --image or --uri");
    }
}
