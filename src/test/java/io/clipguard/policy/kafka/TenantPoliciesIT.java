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
        List<byte[][]> records = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        round++;
        for (String tenant : List.of("kids", "kids-beta", "market")) {
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
