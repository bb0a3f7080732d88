package io.clipguard.policy.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.ShadowComparison;
import io.clipguard.policy.StoredBacktest;
import io.clipguard.policy.catalog.PolicyCatalog;
import io.clipguard.policy.catalog.PolicyWriter;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.PolicyVersion;
import io.clipguard.testing.DemoPolicy;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Policies on a real broker: files applied on start, a publish reaching both running
 * instances without restart (under load, each record scored by exactly one version),
 * shadow decisions and their report, a backtest over the stored embeddings, refusal of a
 * policy for another model, and the dev-mode file watch.
 */
class PolicyHotReloadIT {
    static final String ID = "demo-shapes";

    @TempDir
    Path dir;

    private final ShapeScenes scenes = new ShapeScenes(5);
    private final Set<String> reds = new java.util.HashSet<>();
    private int uploaded;

    @Test
    void policiesReachTheRunningInstanceAndEveryChangeIsAccountedFor() throws Exception {
        Path file = dir.resolve("demo-shapes.yaml");
        String original = DemoPolicy.yaml();
        Files.writeString(file, original);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            Map<String, String> first = TestNode.settings(bootstrap, "live", "live", dir);
            first.put("clipguard.topics.partitions", "3");
            first.put("clipguard.stream.threads", "2");
            first.put("clipguard.policies.file", file.toString());
            Map<String, String> other = new HashMap<>(first);
            other.put("clipguard.stream.instance-id", "second");
            other.put("clipguard.stream.state-dir", dir.resolve("state-2").toString());
            other.put("clipguard.stream.threads", "1");
            TopicRegistry topics = TestNode.registry(first);
            try (ClipGuardNode node = TestNode.start(first); ClipGuardNode secondNode = TestNode.start(other)) {
                PolicyDesk control = node.policies();
                ModerationRuntime runtime = node.runtime();
                ModerationRuntime second = secondNode.runtime();
                // Applied on start: the file became v1; applying it again changes nothing.
                assertThat(control.catalog().head(ID).orElseThrow().getActiveVersion()).isEqualTo(1);
                assertThat(control.applyFiles(List.of(file))).singleElement().satisfies(a -> assertThat(a.newVersion()).isEmpty());
                PolicyWriter writer = control.writer();

                produce(bootstrap, topics, 30);
                Map<String, ModerationDecision> decided = latest(KafkaIO.readOutputs(bootstrap, topics, uploaded, Duration.ofSeconds(60)));
                assertThat(decided).hasSize(30).allSatisfy((k, d) -> assertThat(d.getPolicyVersion()).isEqualTo(1));

                // A publish reaches the running instance: red triangles go to review under v2.
                writer.createDraft(ID, original.replace("action: block", "action: review"), 1, "erin", "review instead of block");
                writer.publish(ID, 2, "pat", "softer while we check");
                assertThat(runtime.policies().status().activeVersion()).isEqualTo(2);
                // Every instance follows, without restart; prompt vectors are prepared once per version.
                await(() -> second.policies().status().activeVersion() == 2, Duration.ofSeconds(10));
                PolicyVersion v2 = control.catalog().version(ID, 2).orElseThrow();
                assertThat(runtime.policies().prepare(v2)).isSameAs(runtime.policies().get().active());
                produce(bootstrap, topics, 30);

                // Under load: v3 (block again) is published while uploads stream in.
                writer.createDraft(ID, original, 2, "erin", "back to blocking");
                Thread load = new Thread(() -> produce(bootstrap, topics, 60));
                load.start();
                Thread.sleep(300); // publish mid-load, not before it starts
                writer.publish(ID, 3, "pat", "confirmed");
                load.join();
                decided = latest(KafkaIO.readOutputs(bootstrap, topics, uploaded, Duration.ofSeconds(90)));
                assertThat(decided).hasSize(uploaded);
                Map<Integer, String> hashes = hashes(control.catalog());
                for (Map.Entry<String, ModerationDecision> e : decided.entrySet()) {
                    ModerationDecision d = e.getValue();
                    // Exactly one version scored it: the hash of that version's document, and that version's rule.
                    assertThat(d.getPolicyHash()).as(e.getKey()).isEqualTo(hashes.get(d.getPolicyVersion()));
                    if (reds.contains(e.getKey())) {
                        assertThat(d.getAction().name()).as(e.getKey() + " v" + d.getPolicyVersion())
                                .isEqualTo(d.getPolicyVersion() == 2 ? "REVIEW" : "BLOCK");
                    }
                }
                assertThat(decided.values()).extracting(ModerationDecision::getPolicyVersion).contains(1, 2, 3);

                // Shadow: v4 reviews red triangles instead of blocking them; it is scored beside v3 and not enforced.
                PolicyVersion v4 = writer.createDraft(ID, original.replace("action: block", "action: review"), 3, "erin",
                        "how many would reviewers see?");
                writer.shadow(ID, 4, "pat", "measure it");
                assertThat(runtime.policies().status().shadowVersion()).isEqualTo(4);
                await(() -> Integer.valueOf(4).equals(second.policies().status().shadowVersion()), Duration.ofSeconds(10));
                int before = uploaded;
                int redsBefore = reds.size();
                produce(bootstrap, topics, 20);
                decided = latest(KafkaIO.readOutputs(bootstrap, topics, uploaded, Duration.ofSeconds(60)));
                assertThat(decided.values()).filteredOn(d -> d.getPolicyVersion() == 4).isEmpty();
                ShadowComparison.Report report = control.shadowReport(ID, 4);
                int newReds = reds.size() - redsBefore;
                assertThat(report.images()).isEqualTo(uploaded - before);
                assertThat(report.activeVersion()).isEqualTo(3);
                assertThat(report.images() - report.agreed()).isEqualTo(newReds);
                assertThat(report.transitions()).containsEntry("BLOCK->REVIEW", (long) newReds);
                assertThat(report.triggered().get("red-triangle")).containsExactly(newReds, newReds, 0);

                // Backtest over the stored embeddings: every red triangle would change from BLOCK to REVIEW.
                List<Long> read = new ArrayList<>();
                StoredBacktest.Report backtest = control.backtest(v4, tenant -> true, 10_000, read::add, n -> { });
                assertThat(backtest.images()).isEqualTo(uploaded);
                assertThat(backtest.beforeVersion()).isEqualTo(3);
                assertThat(backtest.changed()).isEqualTo(reds.size());
                assertThat(backtest.actions().get("BLOCK")).containsExactly(reds.size(), 0);
                assertThat(backtest.samples().get("BLOCK->REVIEW")).hasSize(5).allSatisfy(id -> assertThat(reds).contains(id));
                assertThat(read).isNotEmpty();
                // The last-N limit picks the newest images.
                assertThat(control.backtest(v4, tenant -> true, 10, n -> { }, n -> { }).images()).isEqualTo(10);

                // A version calibrated for another model is refused by the instance, which keeps v3.
                try (PolicyLog cli = new PolicyLog(node.clients(), topics, "test")) {
                    PolicyWriter unchecked = new PolicyWriter(cli, control::catalog, p -> { }, false, false, Clock.systemUTC(), Duration.ofSeconds(10));
                    unchecked.applyFile(original.replace("model: clipguard/demo-shapes", "model: openai/clip-vit-base-patch32"), "cli", "cli:x");
                }
                assertThat(control.catalog().head(ID).orElseThrow().getActiveVersion()).isEqualTo(5);
                assertThat(runtime.policies().status().activeVersion()).isEqualTo(3);
                assertThat(runtime.policies().status().lastError()).contains("calibrated for model 'openai/clip-vit-base-patch32'");

                // Dev mode: saving the file publishes it.
                control.watchFiles(100);
                Files.writeString(file, original.replace("threshold: 0.5", "threshold: 0.45"));
                await(() -> runtime.policies().status().activeVersion() == 6, Duration.ofSeconds(15));
                assertThat(control.catalog().version(ID, 6).orElseThrow().getAuthor()).isEqualTo("file:" + file);
                assertThat(control.changes(ID)).hasSizeGreaterThanOrEqualTo(8);
            }
        }
    }

    private static Map<Integer, String> hashes(PolicyCatalog catalog) {
        Map<Integer, String> out = new HashMap<>();
        for (PolicyVersion v : catalog.versions(ID)) {
            out.put(v.getVersion(), PolicyFiles.hash(PolicyFiles.parseVersion(ID, v.getYaml(), v.getVersion())));
        }
        return out;
    }

    private static Map<String, ModerationDecision> latest(KafkaIO.Outputs outputs) {
        assertThat(outputs.deadLetters()).isEmpty();
        Map<String, ModerationDecision> out = new HashMap<>();
        outputs.decisions().forEach((k, list) -> {
            assertThat(list).as("decisions for " + k).hasSize(1);
            out.put(k, list.get(0));
        });
        return out;
    }

    /** {@code n} uploads, every third a red triangle, the rest blue or green shapes. */
    private synchronized void produce(String bootstrap, TopicRegistry topics, int n) {
        List<byte[][]> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String key = "img-" + uploaded++;
            boolean red = uploaded % 3 == 0;
            String colour = red ? "red" : (uploaded % 2 == 0 ? "blue" : "green");
            String shape = red ? "triangle" : ShapeScenes.SHAPES.get(uploaded % 3);
            if (red) {
                reds.add(key);
            }
            records.add(KafkaIO.record(key, Uploads.bytes(Uploads.inline(key, Uploads.scene(scenes, colour, shape)))));
        }
        KafkaIO.produce(bootstrap, topics.uploaded().name(), records);
    }

    private static void await(BooleanSupplier condition, Duration timeout) {
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(condition::getAsBoolean);
    }
}
