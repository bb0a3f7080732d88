package io.clipguard.moderation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.SourcePosition;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import io.clipguard.tools.synth.RandomVectors;
import io.opentelemetry.context.Context;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One upload from event to outcome with the demo model and policy: no Kafka, the production code path. */
class ModeratorTest {
    @TempDir
    static java.nio.file.Path dir;
    static ModerationRuntime runtime;
    final ShapeScenes scenes = new ShapeScenes(3);
    final SourcePosition source = new SourcePosition("uploads", 0, 7L);

    @BeforeAll
    static void open() {
        runtime = ModerationRuntime.open(Settings.load(TestNode.settings("unused:9092", "moderator-test", "m1", dir)));
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    @Test
    void aRedTriangleIsBlockedWithAConsistentDecisionAuditAndEmbedding() throws Exception {
        byte[] image = Uploads.scene(scenes, "red", "triangle");
        ImageUploaded event = Uploads.inline("m-red", image);
        Outcome outcome = runtime.moderator().moderate(event, source, Context.root()).get(30, TimeUnit.SECONDS);

        assertThat(outcome).isInstanceOf(Outcome.Decided.class);
        Outcome.Decided d = (Outcome.Decided) outcome;
        assertThat(d.decision().getAction().name()).isEqualTo("BLOCK");
        assertThat(d.decision().getTriggeringCategory()).isEqualTo("red-triangle");
        assertThat(d.decision().getPolicyVersion()).isEqualTo(d.audit().getPolicyVersion()).isEqualTo(runtime.policy().policy().version());
        assertThat(d.decision().getModelDigest()).isEqualTo(d.audit().getModelDigest()).isEqualTo(d.embedding().getModelDigest())
                .isEqualTo(runtime.engine().identity().digest());
        assertThat(d.audit().getSource()).isEqualTo(source);
        assertThat(d.audit().getRule()).startsWith("red-triangle: probability");
        assertThat(d.audit().getImage().getSha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image)));
        double norm = d.embedding().getVector().stream().mapToDouble(v -> v * v).sum();
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(d.shadow()).as("no shadow version runs").isNull();
    }

    @Test
    void aBlueSquareIsAllowed() throws Exception {
        Outcome outcome = runtime.moderator().moderate(Uploads.inline("m-blue", Uploads.scene(scenes, "blue", "square")), source,
                Context.root()).get(30, TimeUnit.SECONDS);
        assertThat(((Outcome.Decided) outcome).decision().getAction().name()).isEqualTo("ALLOW");
    }

    @Test
    void bytesThatAreNoImageAreRejectedWithACode() throws Exception {
        Outcome outcome = runtime.moderator().moderate(Uploads.inline("m-junk", "not an image at all".getBytes()), source, Context.root())
                .get(30, TimeUnit.SECONDS);
        assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, r -> assertThat(r.code().name()).startsWith("IMAGE_"));
    }

    @Test
    void theCheckRefusesMissingAndOverlongFieldsBeforeAnyWork() {
        ImageUploaded ok = Uploads.inline("m-ok", new byte[] {1});
        assertThat(Moderator.check(ok)).isEmpty();
        ImageUploaded noContent = ImageUploaded.newBuilder(ok).setContentId(" ").build();
        assertThat(Moderator.check(noContent)).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(ErrorCode.FIELD_MISSING);
            assertThat(r.message()).contains("contentId");
        });
        ImageUploaded longTenant = ImageUploaded.newBuilder(ok).setTenant("t".repeat(EventLimits.TENANT + 1)).build();
        assertThat(Moderator.check(longTenant)).hasValueSatisfying(r -> assertThat(r.code()).isEqualTo(ErrorCode.FIELD_TOO_LARGE));
    }

    /**
     * The service's path for exemplars: each inference batch is searched against the banks once
     * (a matrix product over 2,000 exemplars here), and the decision names the exemplar a new
     * picture of the same scene is nearest to, where the prompts alone miss it.
     */
    @Test
    void anExemplarIsMatchedFromItsInferenceBatchsSearch(@TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path policy = tmp.resolve("look-alikes.yaml");
        java.nio.file.Files.writeString(policy, """
                schemaVersion: 2
                id: demo-shapes
                version: 1
                model: clipguard/demo-shapes
                templates: ["a photo of a {}"]
                banks:
                  - id: look-alikes
                    kind: embedding
                    minSimilarity: 0.97
                categories:
                  - id: green-circles
                    name: Green circles, shown by example
                    action: review
                    threshold: 0.99
                    prompts: ["purple hexagon"]
                    bank: look-alikes
                benign: ["blue circle", "blue square", "green square", "red circle"]
                """);
        java.util.Map<String, String> settings = TestNode.settings("unused:9092", "moderator-banks", "m2", tmp);
        settings.put("clipguard.policies.file", policy.toString());
        try (ModerationRuntime banked = ModerationRuntime.open(Settings.load(settings))) {
            Outcome.Decided first = (Outcome.Decided) banked.moderator().moderate(
                    Uploads.inline("m-example", new ShapeScenes(5).draw("green", "circle", 240, 200, true).bytes()), source, Context.root())
                    .get(30, TimeUnit.SECONDS);
            assertThat(first.decision().getAction().name()).as("the prompts alone miss it").isEqualTo("ALLOW");
            // The example as a bank adds a past decision: its stored embedding, among 2,000 others.
            float[] example = new float[first.embedding().getVector().size()];
            for (int k = 0; k < example.length; k++) {
                example[k] = first.embedding().getVector().get(k);
            }
            String digest = banked.engine().identity().digest();
            java.util.Random random = new java.util.Random(13);
            for (int i = 0; i < 2000; i++) {
                banked.banks().put(new io.clipguard.bank.Banks.Entry("look-alikes", "other-" + i, null,
                        RandomVectors.unit(example.length, random), digest, null));
            }
            banked.banks().put(new io.clipguard.bank.Banks.Entry("look-alikes", "example-1", null, example, digest, null));
            banked.banks().publish(java.time.Instant.now());
            long searchesBefore = banked.banks().exemplarSearches();
            long aloneBefore = banked.banks().exemplarSearchesAlone();

            Outcome.Decided same = (Outcome.Decided) banked.moderator().moderate(
                    Uploads.inline("m-same-scene", new ShapeScenes(6).draw("green", "circle", 300, 260, true).bytes()), source, Context.root())
                    .get(30, TimeUnit.SECONDS);
            assertThat(same.decision().getAction().name()).isEqualTo("REVIEW");
            assertThat(same.decision().getBankMatches()).singleElement().satisfies(m -> {
                assertThat(m.getBank()).isEqualTo("look-alikes");
                assertThat(m.getEntry()).isEqualTo("example-1");
                assertThat(m.getSimilarity()).isGreaterThanOrEqualTo(0.97);
            });
            assertThat(banked.banks().exemplarSearches()).as("found by the batch's search").isGreaterThan(searchesBefore);
            assertThat(banked.banks().exemplarSearchesAlone()).as("not by a search of its own").isEqualTo(aloneBefore);
        }
    }

    @Test
    void anExemplarBoundPastWhatOneMatrixOrDirectMemoryHoldsIsRefusedAtTheStart(@TempDir java.nio.file.Path tmp) {
        for (String mib : List.of("2048", "0")) {
            java.util.Map<String, String> settings = TestNode.settings("unused:9092", "moderator-bound", "m3", tmp);
            settings.put("clipguard.banks.max-exemplar-mib", mib);
            assertThatThrownBy(() -> ModerationRuntime.Options.from(Settings.load(settings).app(), "m3", java.util.function.UnaryOperator.identity()))
                    .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID))
                    .hasMessageContaining("max-exemplar-mib");
        }
        // A rebuild holds two matrices: the bound takes at most half the direct memory.
        assertThat(ModerationRuntime.Options.exemplarBytes(256, 512L << 20)).isEqualTo(256L << 20);
        assertThatThrownBy(() -> ModerationRuntime.Options.exemplarBytes(257, 512L << 20)).isInstanceOf(ClipGuardException.class);
    }

    @Test
    void moderationNeverBlocksTheCaller() {
        long started = System.nanoTime();
        var future = runtime.moderator().moderate(Uploads.inline("m-async", Uploads.scene(scenes, "green", "circle")), source, Context.root());
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertThat(future.join()).isInstanceOf(Outcome.Decided.class);
    }
}
