package io.clipguard.policy.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.policy.catalog.PolicySwitch;
import io.clipguard.policy.catalog.PolicyWriter;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.testing.DemoPolicy;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two tenants mapped to two policies on one instance, through a real broker: the same image is
 * decided differently for each, by one model run; publishing one tenant's policy changes that
 * tenant's decisions and leaves the other's version untouched.
 */
class TenantPoliciesIT {
    static final String KIDS = "kids-shapes";

    @TempDir
    Path dir;

    private final ShapeScenes scenes = new ShapeScenes(11);
    private int round;

    @Test
    void eachTenantIsDecidedByItsOwnPolicyFromOneModelRunPerImage() throws Exception {
        Path policies = Files.createDirectories(dir.resolve("policies"));
        // The kids' policy: the demo's prompts, red triangles sent to review rather than blocked.
        String kidsV1 = DemoPolicy.yaml().replace("id: demo-shapes", "id: " + KIDS).replace("action: block", "action: review");
        Files.writeString(policies.resolve("kids.yaml"), kidsV1);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            Map<String, String> settings = TestNode.settings(bootstrap, "tenants", "tenants", dir);
            settings.put("clipguard.topics.partitions", "2");
            settings.put("clipguard.stream.threads", "2");
            settings.put("clipguard.policies.dir", policies.toString());
            settings.put("clipguard.policies.tenants", "kids=" + KIDS + ", kids-beta=" + KIDS);
            TopicRegistry topics = TestNode.registry(settings);
            try (ClipGuardNode node = TestNode.start(settings)) {
                ModerationRuntime runtime = node.runtime();
                assertThat(runtime.tenants().mapping()).containsEntry("kids", KIDS).containsEntry("kids-beta", KIDS);
                assertThat(runtime.tenants().switchFor("kids")).isSameAs(runtime.tenants().switchFor("kids-beta"));
                assertThat(runtime.tenants().switchFor("market")).isSameAs(runtime.policies());
                long embeddedBefore = embedded(runtime);

                Map<String, ModerationDecision> first = decide(bootstrap, topics, 0);
                assertThat(embedded(runtime) - embeddedBefore).as("one model run per image, whatever the number of policies").isEqualTo(first.size());
                first.forEach((key, d) -> {
                    boolean kids = key.startsWith("kids");
                    assertThat(d.getTenant()).isEqualTo(key.substring(0, key.indexOf('.')));
                    assertThat(d.getPolicyId()).as(key).isEqualTo(kids ? KIDS : "demo-shapes");
                    assertThat(d.getPolicyVersion()).as(key).isEqualTo(1);
                    String expected = key.contains(".red") ? (kids ? "REVIEW" : "BLOCK") : "REVIEW";
                    assertThat(d.getAction().name()).as(key).isEqualTo(expected);
                });

                // Publishing the kids' v2 (yellow shapes blocked) reaches only the kids' switch.
                PolicySwitch.Status defaultBefore = runtime.policies().status();
                PolicyWriter writer = node.policies().writer();
                writer.createDraft(KIDS, kidsV1.replace("name: Yellow shapes\n    action: review", "name: Yellow shapes\n    action: block"), 1,
                        "erin", "block yellow shapes for children");
                writer.publish(KIDS, 2, "pat", "approved");
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runtime.tenants().switchFor("kids").status().activeVersion() == 2);
                assertThat(runtime.policies().status()).isEqualTo(defaultBefore);

                Map<String, ModerationDecision> second = decide(bootstrap, topics, first.size());
                second.forEach((key, d) -> {
                    boolean kids = key.startsWith("kids");
                    assertThat(d.getPolicyVersion()).as(key).isEqualTo(kids ? 2 : 1);
                    String expected = key.contains(".red") ? (kids ? "REVIEW" : "BLOCK") : (kids ? "BLOCK" : "REVIEW");
                    assertThat(d.getAction().name()).as(key).isEqualTo(expected);
                });
                int decided = first.size() + second.size();

                // Live, through the policy topic: a head moves the market tenant to the kids' policy.
                writer.assignTenants(KIDS, List.of("market"), "pat", "market follows the kids' rules this week");
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> KIDS.equals(runtime.tenants().mapping().get("market")));
                Map<String, ModerationDecision> third = decide(bootstrap, topics, decided, List.of("market"));
                decided += third.size();
                assertThat(third.values()).allSatisfy(d -> assertThat(d.getPolicyId() + " v" + d.getPolicyVersion()).isEqualTo(KIDS + " v2"));
                assertThat(third.get("market.yellow-" + round).getAction().name()).isEqualTo("BLOCK");

                // A policy first named by a head gets a switch of its own, built from its active version.
                writer.createDraft("teen-shapes", DemoPolicy.yaml().replace("id: demo-shapes", "id: teen-shapes"), null, "erin", "teens");
                writer.publish("teen-shapes", 1, "pat", "approved");
                writer.assignTenants("teen-shapes", List.of("teen"), "pat", "the teen app");
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> "teen-shapes".equals(runtime.tenants().mapping().get("teen")));
                Map<String, ModerationDecision> teen = decide(bootstrap, topics, decided, List.of("teen"));
                decided += teen.size();
                assertThat(teen.values()).allSatisfy(d -> assertThat(d.getPolicyId()).isEqualTo("teen-shapes"));

                // A head naming a policy this model cannot enforce leaves its tenant where it was, and says why.
                try (PolicyLog cli = new PolicyLog(node.clients(), topics, "test")) {
                    PolicyWriter unchecked = new PolicyWriter(cli, node.policies()::catalog, p -> { }, false, false, Clock.systemUTC(), Duration.ofSeconds(10));
                    unchecked.applyFile(DemoPolicy.yaml().replace("id: demo-shapes", "id: alien-shapes")
                            .replace("model: clipguard/demo-shapes", "model: openai/clip-vit-base-patch32"), "cli", "cli:x");
                    unchecked.assignTenants("alien-shapes", List.of("alien"), "pat", "another model");
                }
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runtime.tenants().refused().containsKey("alien"));
                assertThat(runtime.tenants().refused().get("alien")).contains("alien-shapes");
                assertThat(runtime.tenants().switchFor("alien")).isSameAs(runtime.policies());

                // Named by no head any more, the market tenant goes back to the default; kids keep theirs (the setting).
                writer.assignTenants(KIDS, List.of(), "pat", "the week is over");
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !runtime.tenants().mapping().containsKey("market"));
                assertThat(runtime.tenants().mapping()).containsEntry("kids", KIDS).containsEntry("teen", "teen-shapes");
                Map<String, ModerationDecision> last = decide(bootstrap, topics, decided, List.of("market", "kids"));
                last.forEach((key, d) -> assertThat(d.getPolicyId()).as(key).isEqualTo(key.startsWith("kids") ? KIDS : "demo-shapes"));
                assertThat(node.policies().changes(KIDS)).anySatisfy(c -> assertThat(c.getDiff()).contains("+tenants: market"));
            }
        }
    }

    /** Images the batcher has embedded since start (each batch's size times its count). */
    private static long embedded(ModerationRuntime runtime) {
        long[] counts = runtime.batcher().batchSizeCounts();
        return LongStream.range(0, counts.length).map(size -> size * counts[(int) size]).sum();
    }

    /** A red triangle and a yellow circle for each of three tenants (two mapped to the kids' policy, one not); their decisions by key. */
    private Map<String, ModerationDecision> decide(String bootstrap, TopicRegistry topics, int before) {
        return decide(bootstrap, topics, before, List.of("kids", "kids-beta", "market"));
    }

    /** A red triangle and a yellow circle for each of {@code tenants}; their decisions by key. */
    private Map<String, ModerationDecision> decide(String bootstrap, TopicRegistry topics, int before, List<String> tenants) {
        List<byte[][]> records = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        round++;
        for (String tenant : tenants) {
            for (String[] shape : List.of(new String[] {"red", "triangle"}, new String[] {"yellow", "circle"})) {
                String key = tenant + "." + shape[0] + "-" + round;
                ImageUploaded event = ImageUploaded.newBuilder(Uploads.inline(key, Uploads.scene(scenes, shape[0], shape[1])))
                        .setTenant(tenant).setUploadedAt(Instant.now()).build();
                records.add(KafkaIO.record(key, Uploads.bytes(event)));
                keys.add(key);
            }
        }
        KafkaIO.produce(bootstrap, topics.uploaded().name(), records);
        KafkaIO.Outputs outputs = KafkaIO.readOutputs(bootstrap, topics, before + keys.size(), Duration.ofSeconds(60));
        assertThat(outputs.deadLetters()).isEmpty();
        Map<String, ModerationDecision> out = new HashMap<>();
        keys.forEach(k -> {
            assertThat(outputs.decisions().get(k)).as(k).hasSize(1);
            out.put(k, outputs.decisions().get(k).get(0));
        });
        return out;
    }
}
