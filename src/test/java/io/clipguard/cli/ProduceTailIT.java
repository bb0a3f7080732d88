package io.clipguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import com.fasterxml.jackson.databind.JsonNode;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.testing.Cli;
import io.clipguard.testing.TestNode;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code produce} and {@code tail} against a running service on the embedded broker. */
class ProduceTailIT {
    @TempDir
    Path dir;

    @Test
    void producedImagesAreDecidedAndTailedAsJson() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            // An instance on the default topic names, which produce and tail use by default.
            Map<String, String> settings = TestNode.settings(kafka.bootstrapServers(), "cli", "a", dir);
            TestNode.ROLES.forEach(r -> settings.remove("clipguard.topics." + r));
            try (ClipGuardNode node = TestNode.start(settings)) {
                ShapeScenes scenes = new ShapeScenes(4);
                Path triangle = Files.write(dir.resolve("triangle.jpg"), scenes.draw("red", "triangle", 300, 300, true).bytes());
                Path square = Files.write(dir.resolve("square.png"), scenes.draw("green", "square", 300, 200, false).bytes());

                // Step 1: produce two inline images and one URI (refused: no host is allowed).
                Cli.Run produced = Cli.run("produce", "--bootstrap-servers", kafka.bootstrapServers(),
                        "--image", triangle.toString(), "--image", square.toString(), "--uri", "https://elsewhere.example/x.jpg");
                assertThat(produced.exit()).as(produced.err()).isZero();
                List<JsonNode> events = produced.jsonLines();
                assertThat(events).hasSize(3);
                String triangleId = events.get(0).get("contentId").asText();
                assertThat(triangleId).startsWith("triangle.jpg-");

                // Step 2: tail the decisions and the dead letters.
                Cli.Run decisions = Cli.run("tail", "moderation.decisions", "--bootstrap-servers", kafka.bootstrapServers(),
                        "--from-beginning", "--max", "2", "--timeout-s", "60");
                assertThat(decisions.exit()).as(decisions.err()).isZero();
                List<JsonNode> lines = decisions.jsonLines();
                assertThat(lines).hasSize(2);
                JsonNode triangleDecision = lines.stream().filter(l -> l.get("key").asText().equals(triangleId)).findFirst().orElseThrow();
                assertThat(triangleDecision.get("value").get("action").asText()).isEqualTo("BLOCK");
                assertThat(triangleDecision.get("value").get("scores").get(0).get("category").asText()).isEqualTo("red-triangle");

                Cli.Run dlq = Cli.run("tail", "moderation.dlq", "--bootstrap-servers", kafka.bootstrapServers(),
                        "--from-beginning", "--max", "1", "--timeout-s", "60");
                assertThat(dlq.jsonLines().get(0).get("value").get("reasonCode").asText()).isEqualTo("FETCH_HOST_NOT_ALLOWED");
            }
        }

        Cli.Run nothing = Cli.run("produce", "--bootstrap-servers", "localhost:1");
        assertThat(nothing.exit()).isEqualTo(2);
        assertThat(nothing.err()).contains("give at least one --image or --uri");
    }
}
