package io.clipguard.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImagePipeline;
import io.clipguard.moderation.ClipScoring;
import io.clipguard.pdq.PdqHash;
import io.clipguard.pdq.PdqHasher;
import io.clipguard.policy.BankHit;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.policy.StoredBacktest;
import io.clipguard.policy.StoredMatcher;
import io.clipguard.tools.demo.ShapeScenes;
import io.clipguard.tools.synth.RandomVectors;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Banks as the pipeline uses them: an image added to a PDQ bank is matched after re-encoding,
 * resizing and turning; an exemplar catches a scene the prompts miss; a negative bank stops a
 * false trigger; removal, expiry and the entry bound hold.
 */
class BanksTest {
    static Path dir;
    static ClipEngine engine;
    static ImagePipeline pipeline;

    static final String POLICY = """
            schemaVersion: 2
            id: banks-test
            version: 1
            model: clipguard/demo-shapes
            templates: ["a photo of a {}"]
            banks:
              - id: known-bad
                kind: pdq
              - id: look-alikes
                kind: embedding
                minSimilarity: 0.97
              - id: known-fine
                kind: pdq
                negative: true
            categories:
              - id: known-bad-reuploads
                name: Re-uploads of removed content
                action: block
                threshold: 0.5
                bank: known-bad
              - id: green-circles
                name: Green circles, shown by example
                action: review
                threshold: 0.99
                prompts: ["purple hexagon"]
                bank: look-alikes
              - id: red-triangle
                action: block
                threshold: 0.5
                prompts: ["red triangle"]
            benign: ["blue circle", "blue square", "green square", "green triangle", "red circle", "red square"]
            """;

    @BeforeAll
    static void open() throws IOException {
        dir = Files.createTempDirectory("banks-test");
        new DemoModelGenerator().write(dir, DemoModelGenerator.Layout.HUGGING_FACE);
        engine = ClipEngine.open(dir, EngineOptions.defaults().withProvider("cpu"));
        pipeline = new ImagePipeline(DecodeLimits.defaults(), engine.preprocess(), true);
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static Policy policy() {
        return PolicyFiles.parse(POLICY, "test");
    }

    /** The verdict of the pipeline and the banks for {@code bytes}, as the moderator reaches it. */
    static Scored decide(Banks banks, byte[] bytes) {
        ImagePipeline.Prepared p = pipeline.prepare(bytes);
        float[][] embedded = engine.embedImages(p.tensors());
        List<float[]> vectors = List.of(embedded);
        // As the service matches: with the nearest exemplars its inference batch found; the same as searching each view now.
        List<BankHit> hits = banks.match(policy(), p.hashes(), vectors, engine.identity().digest(),
                banks.search(engine.identity().digest()).nearest(embedded));
        assertThat(hits).as("the batch's search and a search per view agree")
                .isEqualTo(banks.match(policy(), p.hashes(), vectors, engine.identity().digest()));
        ScoringPolicy scoring = new ScoringPolicy(policy(), ClipScoring.prompts(engine));
        return new Scored(hits, scoring.score(vectors, "c", hits).verdict());
    }

    record Scored(List<BankHit> hits, ScoringPolicy.Verdict verdict) {
    }

    static byte[] photo() throws IOException {
        try (InputStream in = BanksTest.class.getResourceAsStream("/pdq/q2821.jpg")) {
            return in.readAllBytes();
        }
    }

    static BufferedImage read(byte[] bytes) throws IOException {
        BufferedImage raw = ImageIO.read(new java.io.ByteArrayInputStream(bytes));
        BufferedImage rgb = new BufferedImage(raw.getWidth(), raw.getHeight(), BufferedImage.TYPE_INT_RGB);
        rgb.getGraphics().drawImage(raw, 0, 0, null);
        return rgb;
    }

    static byte[] jpeg(BufferedImage image, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(image, null, null), param);
        }
        writer.dispose();
        return out.toByteArray();
    }

    static BufferedImage half(BufferedImage image) {
        BufferedImage out = new BufferedImage(image.getWidth() / 2, image.getHeight() / 2, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, out.getWidth(), out.getHeight(), null);
        g.dispose();
        return out;
    }

    static BufferedImage turned(BufferedImage image) {
        BufferedImage out = new BufferedImage(image.getHeight(), image.getWidth(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                out.setRGB(image.getHeight() - 1 - y, x, image.getRGB(x, y));
            }
        }
        return out;
    }

    static Banks.Entry pdqEntry(String bank, String id, byte[] bytes, Instant expires) {
        PdqHash hash = pipeline.prepare(bytes).hashes().get(0).hash();
        return new Banks.Entry(bank, id, hash, null, null, expires);
    }

    @Test
    void anImageInAPdqBankIsMatchedReencodedHalvedAndTurned() throws IOException {
        Banks banks = new Banks(100);
        banks.put(pdqEntry("known-bad", "removed-1", photo(), null));
        banks.publish(Instant.now());
        BufferedImage original = read(photo());
        byte[] variant = jpeg(turned(half(read(jpeg(original, 0.7f)))), 0.9f);
        Scored scored = decide(banks, variant);
        assertThat(scored.hits()).singleElement().satisfies(h -> {
            assertThat(h.bank().id()).isEqualTo("known-bad");
            assertThat(h.entry()).isEqualTo("removed-1");
            assertThat(h.distance()).isLessThanOrEqualTo(31);
            assertThat(h.variant()).as("turning the upload back the other way gives the entry").isEqualTo("ROTATE_90");
        });
        assertThat(scored.verdict().action()).isEqualTo(Policy.Action.BLOCK);
        assertThat(scored.verdict().triggeringCategory()).isEqualTo("known-bad-reuploads");
        assertThat(scored.verdict().rule()).startsWith("known-bad-reuploads: bank known-bad entry removed-1, PDQ distance ")
                .endsWith("<= 31 (ROTATE_90) -> BLOCK");
        // Each transformation alone, too.
        for (byte[] each : List.of(jpeg(original, 0.7f), jpeg(half(original), 0.9f), jpeg(turned(original), 0.9f))) {
            assertThat(decide(banks, each).hits()).as("matched").hasSize(1);
        }
        // Another photograph is not.
        try (InputStream in = BanksTest.class.getResourceAsStream("/pdq/q1050.jpg")) {
            Scored other = decide(banks, in.readAllBytes());
            assertThat(other.hits()).isEmpty();
            assertThat(other.verdict().triggeringCategory()).isNotEqualTo("known-bad-reuploads");
        }
    }

    @Test
    void anExemplarCatchesANewPictureOfTheSameSceneThePromptsMiss() {
        ShapeScenes scenes = new ShapeScenes(5);
        byte[] exemplar = scenes.draw("green", "circle", 240, 200, true).bytes();
        byte[] sameScene = new ShapeScenes(6).draw("green", "circle", 300, 260, true).bytes();
        byte[] otherScene = scenes.draw("blue", "square", 240, 200, true).bytes();
        Banks banks = new Banks(100);
        assertThat(decide(banks, sameScene).verdict().triggeringCategory()).as("the prompts alone miss it").isNull();
        float[] vector = engine.embedImages(pipeline.prepare(exemplar).tensors())[0];
        banks.put(new Banks.Entry("look-alikes", "example-1", null, vector, engine.identity().digest(), null));
        banks.publish(Instant.now());
        Scored caught = decide(banks, sameScene);
        assertThat(caught.verdict().triggeringCategory()).isEqualTo("green-circles");
        assertThat(caught.verdict().action()).isEqualTo(Policy.Action.REVIEW);
        assertThat(caught.hits()).singleElement().satisfies(h -> assertThat(h.similarity()).isGreaterThanOrEqualTo(0.97));
        assertThat(decide(banks, otherScene).hits()).as("another scene is not a look-alike").isEmpty();
        // An exemplar of another model is never compared.
        Banks elsewhere = new Banks(100);
        elsewhere.put(new Banks.Entry("look-alikes", "example-1", null, vector, "sha256:another-model", null));
        elsewhere.publish(Instant.now());
        assertThat(decide(elsewhere, sameScene).hits()).isEmpty();
    }

    @Test
    void aNegativeBankStopsAFalseTrigger() {
        byte[] redTriangle = new ShapeScenes(9).draw("red", "triangle", 240, 200, true).bytes();
        Banks banks = new Banks(100);
        assertThat(decide(banks, redTriangle).verdict().action()).isEqualTo(Policy.Action.BLOCK);
        banks.put(pdqEntry("known-fine", "meme-template", redTriangle, null));
        banks.publish(Instant.now());
        Scored exempt = decide(banks, redTriangle);
        assertThat(exempt.verdict().action()).isEqualTo(Policy.Action.ALLOW);
        assertThat(exempt.verdict().triggeringCategory()).isNull();
        assertThat(exempt.verdict().rule()).startsWith("exempt: negative bank known-fine entry meme-template, PDQ distance 0 <= 31");
        assertThat(exempt.verdict().scores()).noneMatch(ScoringPolicy.Score::triggered);
    }

    @Test
    void removalExpiryAndTheBoundHold() throws IOException {
        Banks banks = new Banks(2);
        Instant now = Instant.now();
        byte[] photo = photo();
        banks.put(pdqEntry("known-bad", "a", photo, now.plusSeconds(60)));
        banks.publish(now);
        assertThat(decide(banks, photo).hits()).hasSize(1);
        assertThat(banks.stale(now.plusSeconds(61))).as("an expiry makes the snapshot stale").isTrue();
        banks.publish(now.plusSeconds(61));
        assertThat(decide(banks, photo).hits()).as("expired").isEmpty();

        Instant later = now.plusSeconds(62);
        banks.put(pdqEntry("known-bad", "b", photo, null));
        assertThat(banks.put(new Banks.Entry("known-bad", "c", new PdqHash(1, 2, 3, 4), null, null, null))).as("past the bound").isFalse();
        assertThat(banks.refused()).isEqualTo(1);
        banks.publish(later);
        assertThat(decide(banks, photo).hits()).hasSize(1);
        banks.remove("known-bad", "b");
        banks.publish(later);
        assertThat(decide(banks, photo).hits()).isEmpty();
        assertThat(banks.size()).isEqualTo(1);
    }
    @Test
    void aBacktestReplaysStoredHashesAgainstADraftsBanks() throws IOException {
        byte[] removed = photo();
        byte[] reupload = jpeg(read(removed), 0.7f);
        byte[] unrelated;
        try (InputStream in = BanksTest.class.getResourceAsStream("/pdq/q1050.jpg")) {
            unrelated = in.readAllBytes();
        }
        Banks banks = new Banks(100);
        banks.put(pdqEntry("known-bad", "removed-1", removed, null));
        banks.publish(Instant.now());
        List<byte[]> stored = List.of(reupload, unrelated);
        int dim = engine.dimension();
        FloatBuffer vectors = ByteBuffer.allocateDirect(stored.size() * dim * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        List<PdqHash> hashes = new ArrayList<>();
        for (byte[] bytes : stored) {
            ImagePipeline.Prepared p = pipeline.prepare(bytes);
            vectors.put(engine.embedImages(p.tensors())[0]);
            hashes.add(p.hashes().get(0).hash());
        }
        vectors.flip();
        int distance = hashes.get(0).distance(banks.entries("known-bad").get(0).pdq());
        assertThat(distance).as("re-encoding moves a few bits").isBetween(1, 31);
        String digest = engine.identity().digest();
        StoredMatcher matcher = (policy, hash, embedding) -> banks.matchStored(policy, hash, embedding, digest);
        ScoringPolicy withoutBanks = new ScoringPolicy(PolicyFiles.parse("""
                schemaVersion: 2
                id: banks-test
                version: 1
                model: clipguard/demo-shapes
                templates: ["a photo of a {}"]
                categories:
                  - id: green-circles
                    name: Green circles, shown by example
                    action: review
                    threshold: 0.99
                    prompts: ["purple hexagon"]
                  - id: red-triangle
                    action: block
                    threshold: 0.5
                    prompts: ["red triangle"]
                benign: ["blue circle", "blue square", "green square", "green triangle", "red circle", "red square"]
                """, "before"), ClipScoring.prompts(engine));
        ScoringPolicy draft = new ScoringPolicy(policy(), ClipScoring.prompts(engine));
        StoredBacktest.Report added = StoredBacktest.run(withoutBanks, draft, List.of("reupload", "unrelated"), hashes, vectors, 2, n -> {
        }, ClipScoring.bulk(), matcher);
        assertThat(added.changed()).as("adding the bank blocks the stored re-upload, and only it: %s", added.samples()).isEqualTo(1);
        assertThat(added.samples().entrySet()).singleElement().satisfies(e -> {
            assertThat(e.getKey()).endsWith("->BLOCK");
            assertThat(e.getValue()).containsExactly("reupload");
        });
        assertThat(added.triggered().get("known-bad-reuploads")).containsExactly(0, 1);

        ScoringPolicy tighter = new ScoringPolicy(PolicyFiles.parse(POLICY.replace("kind: pdq\n  - id: look-alikes",
                "kind: pdq\n    maxDistance: " + (distance - 1) + "\n  - id: look-alikes"), "tighter"), ClipScoring.prompts(engine));
        StoredBacktest.Report tightened = StoredBacktest.run(draft, tighter, List.of("reupload", "unrelated"), hashes, vectors, 2, n -> {
        }, ClipScoring.bulk(), matcher);
        assertThat(tightened.samples().entrySet()).as("a distance below the re-upload's lets it through").hasSize(1).first().satisfies(e -> {
            assertThat(e.getKey()).startsWith("BLOCK->");
            assertThat(e.getValue()).containsExactly("reupload");
        });
    }
    /** Over an indexed base, and over a small bank's scanned one (under {@link Banks#INDEXED_FROM} hashes). */
    @ParameterizedTest
    @ValueSource(ints = {6000, 600})
    void changesOverABaseMatchAsARebuildWould(int size) {
        java.util.Random random = new java.util.Random(7);
        Banks banks = new Banks(100_000);
        java.util.Map<String, PdqHash> live = new java.util.HashMap<>();
        Instant now = Instant.now();
        for (int i = 0; i < size; i++) {
            PdqHash h = randomHash(random);
            banks.put(new Banks.Entry("known-bad", "e" + i, h, null, null, null));
            live.put("e" + i, h);
        }
        banks.publish(now);
        List<PdqHash> gone = new ArrayList<>();
        // Rounds of changes under the rebuild threshold (applied over the base), one over it, then more over the compacted base.
        for (int changes : List.of(50, 700, Banks.CHANGES_BEFORE_REBUILD + 10, 300)) {
            for (int c = 0; c < changes; c++) {
                String id = "e" + random.nextInt(size * 4 / 3);
                int op = random.nextInt(3);
                PdqHash before = op == 0 ? live.remove(id) : live.get(id);
                if (before != null) {
                    gone.add(before);
                }
                if (op == 0) {
                    banks.remove("known-bad", id);
                } else {
                    PdqHash h = randomHash(random);
                    banks.put(new Banks.Entry("known-bad", id, h, null, null, null));
                    live.put(id, h);
                }
            }
            banks.publish(now);
            List<java.util.Map.Entry<String, PdqHash>> all = List.copyOf(live.entrySet());
            for (int q = 0; q < 300; q++) {
                // Near a live entry, near one removed or replaced (it must not match), or anywhere.
                PdqHash query = switch (q % 3) {
                    case 0 -> near(all.get(random.nextInt(all.size())).getValue(), random.nextInt(30), random);
                    case 1 -> near(gone.get(random.nextInt(gone.size())), random.nextInt(30), random);
                    default -> randomHash(random);
                };
                int truth = all.stream().mapToInt(e -> e.getValue().distance(query)).min().orElseThrow();
                List<BankHit> hits = banks.matchStored(policy(), query, new float[20], "no-model");
                if (truth > 31) {
                    assertThat(hits).as("nothing within 31 bits").isEmpty();
                } else {
                    assertThat(hits).singleElement().satisfies(h -> {
                        assertThat(h.distance()).isEqualTo(truth);
                        assertThat(live.get(h.entry()).distance(query)).as("a live entry, as it stands now").isEqualTo(truth);
                    });
                }
            }
        }
    }

    @Test
    void exemplarChangesOverABaseAreSearchedAsARebuildWould() {
        java.util.Random random = new java.util.Random(11);
        int dim = 32;
        Banks banks = new Banks(100_000);
        java.util.Map<String, float[]> live = new java.util.HashMap<>();
        Instant now = Instant.now();
        // Past the size from which the matrix product runs, so both the product and the small scans of the changes are crossed.
        for (int i = 0; i < 3000; i++) {
            float[] v = RandomVectors.unit(dim, random);
            banks.put(new Banks.Entry("look-alikes", "x" + i, null, v, "m", null));
            live.put("x" + i, v);
        }
        banks.publish(now);
        List<float[]> gone = new ArrayList<>();
        for (int changes : List.of(40, 600, Banks.CHANGES_BEFORE_REBUILD + 10, 200)) {
            for (int c = 0; c < changes; c++) {
                String id = "x" + random.nextInt(4000);
                boolean removal = random.nextInt(3) == 0;
                float[] before = removal ? live.remove(id) : live.get(id);
                if (before != null) {
                    gone.add(before);
                }
                if (removal) {
                    banks.remove("look-alikes", id);
                } else {
                    float[] v = RandomVectors.unit(dim, random);
                    banks.put(new Banks.Entry("look-alikes", id, null, v, "m", null));
                    live.put(id, v);
                }
            }
            banks.publish(now);
            List<java.util.Map.Entry<String, float[]>> all = List.copyOf(live.entrySet());
            float[][] queries = new float[60][];
            for (int q = 0; q < queries.length; q++) {
                // A copy of a live exemplar, of one removed or replaced (its next-best live one must answer), or anywhere.
                queries[q] = switch (q % 3) {
                    case 0 -> all.get(random.nextInt(all.size())).getValue();
                    case 1 -> gone.get(random.nextInt(gone.size()));
                    default -> RandomVectors.unit(dim, random);
                };
            }
            List<io.clipguard.clip.BatchSearch.Found> found = banks.search("m").nearest(queries);
            for (int q = 0; q < queries.length; q++) {
                float[] query = queries[q];
                java.util.Map.Entry<String, float[]> truth = all.stream().max(java.util.Comparator.comparingDouble(e -> dot(e.getValue(), query)))
                        .orElseThrow();
                io.clipguard.clip.BatchSearch.Neighbour n = found.get(q).nearest().get("look-alikes");
                assertThat(n.id()).as("round of %d changes, query %d", changes, q).isEqualTo(truth.getKey());
                assertThat(n.similarity()).isCloseTo(dot(truth.getValue(), query), org.assertj.core.data.Offset.offset(1e-4));
                List<BankHit> alone = banks.matchStored(policy(), null, query, "m");
                if (n.similarity() >= 0.97) {
                    assertThat(alone).singleElement().satisfies(h -> assertThat(h.entry()).isEqualTo(truth.getKey()));
                } else {
                    assertThat(alone).isEmpty();
                }
            }
        }
    }

    @Test
    void exemplarsAreBoundedInBytes() {
        java.util.Random random = new java.util.Random(17);
        Banks banks = new Banks(1_000, 10 * 32 * 4);
        for (int i = 0; i < 10; i++) {
            assertThat(banks.put(new Banks.Entry("look-alikes", "x" + i, null, RandomVectors.unit(32, random), "m", null))).isTrue();
        }
        assertThat(banks.hasRoomFor("look-alikes", "x10", 32)).isFalse();
        assertThat(banks.put(new Banks.Entry("look-alikes", "x10", null, RandomVectors.unit(32, random), "m", null))).isFalse();
        assertThat(banks.refused()).isEqualTo(1);
        assertThat(banks.put(new Banks.Entry("look-alikes", "x3", null, RandomVectors.unit(32, random), "m", null)))
                .as("a replacement frees what it replaces").isTrue();
        assertThat(banks.put(new Banks.Entry("look-alikes", "x4", null, RandomVectors.unit(64, random), "m", null)))
                .as("a longer replacement needs the difference").isFalse();
        assertThat(banks.holds("look-alikes", "x4")).as("and, refused, leaves no stale entry behind").isFalse();
        assertThat(banks.hasRoomFor("look-alikes", "y", 32)).as("whose bytes are free again").isTrue();
        assertThat(banks.size()).isEqualTo(9);
        assertThat(banks.put(new Banks.Entry("known-bad", "h", randomHash(random), null, null, null))).as("hashes are not exemplars").isTrue();
        banks.remove("look-alikes", "x0");
        assertThat(banks.put(new Banks.Entry("look-alikes", "x10", null, RandomVectors.unit(32, random), "m", null))).isTrue();
        banks.publish(Instant.now());
        assertThat(banks.counts()).containsEntry("look-alikes", 9).containsEntry("known-bad", 1);
    }

    /**
     * What a batch found is used only while the banks it searched are the ones published: an
     * exemplar removed between the batch and the decision is never named; expired, emptied and
     * refilled, or turned into a hash, an exemplar is matched no more.
     */
    @Test
    void aBatchsFindingsStandOnlyForTheBanksItSearched() {
        java.util.Random random = new java.util.Random(23);
        Banks banks = new Banks(10_000);
        Instant now = Instant.now();
        float[] example = RandomVectors.unit(32, random);
        for (int i = 0; i < 1500; i++) {
            banks.put(new Banks.Entry("look-alikes", "x" + i, null, RandomVectors.unit(32, random), "m", null));
        }
        banks.put(new Banks.Entry("look-alikes", "example", null, example, "m", null));
        banks.put(new Banks.Entry("look-alikes", "soon-gone", null, RandomVectors.unit(32, random), "m", now.plusSeconds(60)));
        banks.publish(now);
        List<io.clipguard.clip.BatchSearch.Found> found = banks.search("m").nearest(new float[][] {example});
        assertThat(found.get(0).nearest().get("look-alikes").id()).isEqualTo("example");
        List<float[]> views = List.of(example);
        assertThat(banks.match(policy(), List.of(), views, "m", found)).singleElement().satisfies(h -> assertThat(h.entry()).isEqualTo("example"));
        long alone = banks.exemplarSearchesAlone();

        banks.remove("look-alikes", "example");
        banks.publish(now);
        assertThat(banks.match(policy(), List.of(), views, "m", found)).as("removed after the batch, before the decision").isEmpty();
        assertThat(banks.exemplarSearchesAlone()).as("searched again, alone").isEqualTo(alone + 1);

        banks.put(new Banks.Entry("look-alikes", "example", null, example, "m", null));
        banks.publish(now);
        assertThat(banks.match(policy(), List.of(), views, "m", null)).singleElement().satisfies(h -> assertThat(h.entry()).isEqualTo("example"));
        banks.put(new Banks.Entry("look-alikes", "example", randomHash(random), null, null, null));
        banks.publish(now);
        assertThat(banks.match(policy(), List.of(), views, "m", banks.search("m").nearest(new float[][] {example})))
                .as("the exemplar replaced by a hash").isEmpty();

        float[] soon = banks.entries("look-alikes").stream().filter(e -> e.id().equals("soon-gone")).findFirst().orElseThrow().vector();
        assertThat(banks.match(policy(), List.of(), List.of(soon), "m", null)).singleElement().satisfies(h -> assertThat(h.entry()).isEqualTo("soon-gone"));
        banks.publish(now.plusSeconds(61));
        assertThat(banks.match(policy(), List.of(), List.of(soon), "m", banks.search("m").nearest(new float[][] {soon}))).as("expired").isEmpty();

        for (Banks.Entry e : banks.entries("look-alikes")) {
            banks.remove("look-alikes", e.id());
        }
        banks.put(new Banks.Entry("look-alikes", "refill", null, RandomVectors.unit(32, random), "m", null));
        banks.publish(now.plusSeconds(61));
        assertThat(banks.search("m").nearest(new float[][] {example}).get(0).nearest().get("look-alikes").id())
                .as("emptied and refilled: only the new entry").isEqualTo("refill");
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            s += (double) a[k] * b[k];
        }
        return s;
    }

    @Test
    void changesStayUnseenUntilPublishedWhileTheColumnsGrow() {
        java.util.Random random = new java.util.Random(11);
        Banks banks = new Banks(100_000);
        Instant now = Instant.now();
        List<PdqHash> held = published(banks, random, 5000, now);
        PdqHash probe = held.get(17);
        // Not yet published: the probe's entry removed, a near copy added, and 20,000 more (the columns are copied twice as they grow).
        banks.remove("known-bad", "e17");
        banks.put(new Banks.Entry("known-bad", "close", near(probe, 3, random), null, null, null));
        for (int i = 0; i < 20_000; i++) {
            banks.put(new Banks.Entry("known-bad", "n" + i, randomHash(random), null, null, null));
        }
        assertThat(banks.matchStored(policy(), probe, new float[20], "no-model")).singleElement()
                .satisfies(h -> assertThat(h.entry() + " " + h.distance()).isEqualTo("e17 0"));
        banks.publish(now);
        assertThat(banks.matchStored(policy(), probe, new float[20], "no-model")).singleElement()
                .satisfies(h -> assertThat(h.entry() + " " + h.distance()).isEqualTo("close 3"));
        assertThat(banks.size()).isEqualTo(25_000);
        assertThat(banks.entries("known-bad")).hasSize(25_000).extracting(Banks.Entry::id).doesNotContain("e17").contains("close", "e16", "n19999");
    }

    @Test
    void aBankEmptiedAndRefilledBetweenPublishesMatchesOnlyItsNewEntry() {
        java.util.Random random = new java.util.Random(13);
        Banks banks = new Banks(100_000);
        Instant now = Instant.now();
        List<PdqHash> old = published(banks, random, 5000, now);
        // A re-import: every entry removed, then one added, before the next publish.
        for (int i = 0; i < 5000; i++) {
            banks.remove("known-bad", "e" + i);
        }
        PdqHash fresh = randomHash(random);
        banks.put(new Banks.Entry("known-bad", "x", fresh, null, null, null));
        banks.publish(now);
        for (int i : List.of(0, 1, 4321, 4999)) {
            assertThat(banks.matchStored(policy(), old.get(i), new float[20], "no-model")).as("removed e" + i).isEmpty();
        }
        assertThat(banks.matchStored(policy(), fresh, new float[20], "no-model")).singleElement()
                .satisfies(h -> assertThat(h.entry() + " " + h.distance()).isEqualTo("x 0"));
    }

    @Test
    void replacingOneEntryOverAndOverKeepsTheColumnsBounded() {
        java.util.Random random = new java.util.Random(17);
        BankTable table = new BankTable("known-bad");
        for (int i = 0; i < 100_000; i++) {
            table.put(new Banks.Entry("known-bad", "same", randomHash(random), null, null, null));
        }
        assertThat(table.size()).isEqualTo(1);
        assertThat(table.slots()).isLessThanOrEqualTo(2 + BankTable.REPLACED_BEFORE_COMPACTING);
        assertThatThrownBy(() -> table.put(new Banks.Entry("known-bad", "neither", null, null, null, null)))
                .isInstanceOf(IllegalArgumentException.class);

        // Through the banks: a published base, then one entry replaced past the compaction between two publishes.
        Banks banks = new Banks(100_000);
        Instant now = Instant.now();
        PdqHash first = published(banks, random, 5000, now).get(0);
        PdqHash last = null;
        for (int i = 0; i < 2 * (5000 + BankTable.REPLACED_BEFORE_COMPACTING); i++) {
            last = randomHash(random);
            banks.put(new Banks.Entry("known-bad", "e0", last, null, null, null));
        }
        PdqHash replaced = first;
        assertThat(banks.matchStored(policy(), replaced, new float[20], "no-model")).as("unpublished: the first version still")
                .singleElement().satisfies(h -> assertThat(h.entry() + " " + h.distance()).isEqualTo("e0 0"));
        banks.publish(now);
        assertThat(banks.matchStored(policy(), replaced, new float[20], "no-model")).isEmpty();
        PdqHash newest = last;
        assertThat(banks.matchStored(policy(), newest, new float[20], "no-model")).singleElement()
                .satisfies(h -> assertThat(h.entry() + " " + h.distance()).isEqualTo("e0 0"));
        assertThat(banks.size()).isEqualTo(5000);
    }

    /** {@code n} random hashes put as entries e0, e1, ... of bank known-bad, then published. */
    private static List<PdqHash> published(Banks banks, java.util.Random random, int n, Instant now) {
        List<PdqHash> hashes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hashes.add(randomHash(random));
            banks.put(new Banks.Entry("known-bad", "e" + i, hashes.get(i), null, null, null));
        }
        banks.publish(now);
        return hashes;
    }

    static PdqHash randomHash(java.util.Random random) {
        return new PdqHash(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong());
    }

    static PdqHash near(PdqHash h, int bits, java.util.Random random) {
        long[] w = {h.w0(), h.w1(), h.w2(), h.w3()};
        java.util.BitSet flipped = new java.util.BitSet();
        while (flipped.cardinality() < bits) {
            flipped.set(random.nextInt(256));
        }
        flipped.stream().forEach(b -> w[b >> 6] ^= 1L << (b & 63));
        return new PdqHash(w[0], w[1], w[2], w[3]);
    }
    @Test
    void aTopicRecordIsHeldOnlyWhenItLooksLikeWhatClipGuardWrites() {
        Instant now = Instant.now();
        float[] unit = new float[20];
        unit[3] = 1;
        float[] loud = new float[20];
        java.util.Arrays.fill(loud, 1e6f);
        float[] nan = unit.clone();
        nan[0] = Float.NaN;
        assertThat(BankEntries.held(BankEntries.embedding("look-alikes", "fine", unit, "sha256:m", "t", "t", now, null, null))).isNotNull();
        assertThat(BankEntries.held(BankEntries.embedding("look-alikes", "loud", loud, "sha256:m", "t", "t", now, null, null)))
                .as("an unnormalised vector would beat every real exemplar").isNull();
        assertThat(BankEntries.held(BankEntries.embedding("look-alikes", "nan", nan, "sha256:m", "t", "t", now, null, null))).isNull();
        assertThat(BankEntries.held(BankEntries.embedding("look-alikes", "empty", new float[0], "sha256:m", "t", "t", now, null, null))).isNull();
        PdqHash h = new PdqHash(1, 2, 3, 4);
        assertThat(BankEntries.held(BankEntries.pdq("Known Bad", "x", h, null, "t", "t", now, null, null, null))).as("bank id out of form").isNull();
        assertThat(BankEntries.held(BankEntries.pdq("known-bad", "a/b", h, null, "t", "t", now, null, null, null))).as("a slash in an entry id").isNull();
        assertThat(BankEntries.held(BankEntries.pdq("known-bad", "x".repeat(200), h, null, "t", "t", now, null, null, null))).isNull();
    }

    @Test
    void anExemplarOfAnotherLengthDoesNotHideTheRealOnes() {
        byte[] exemplar = new ShapeScenes(5).draw("green", "circle", 240, 200, true).bytes();
        float[] vector = engine.embedImages(pipeline.prepare(exemplar).tensors())[0];
        Banks banks = new Banks(100);
        float[] odd = new float[7];
        odd[0] = 1;
        banks.put(new Banks.Entry("look-alikes", "odd", null, odd, engine.identity().digest(), null));
        banks.put(new Banks.Entry("look-alikes", "example-1", null, vector, engine.identity().digest(), null));
        banks.publish(Instant.now());
        assertThat(decide(banks, new ShapeScenes(6).draw("green", "circle", 300, 260, true).bytes()).hits()).singleElement()
                .satisfies(hit -> assertThat(hit.entry()).isEqualTo("example-1"));
    }

    @Test
    void aNegativeMatchExemptsOnlyWhatItsViewShows() {
        ScoringPolicy scoring = new ScoringPolicy(policy(), ClipScoring.prompts(engine));
        Policy.Bank knownFine = policy().banks().stream().filter(Policy.Bank::negative).findFirst().orElseThrow();
        double[] p = {0, 0, 0.9};
        BankHit onFirstFrame = new BankHit(knownFine, "template", 3, Double.NaN, "ORIGINAL", 0);
        ScoringPolicy.Verdict judged = scoring.verdict(null, null, p, "c", List.of(onFirstFrame), new int[] {0, 0, 1});
        assertThat(judged.action()).as("the second frame shows the red triangle").isEqualTo(Policy.Action.BLOCK);
        BankHit onSecondFrame = new BankHit(knownFine, "template", 3, Double.NaN, "ORIGINAL", 1);
        ScoringPolicy.Verdict exempt = scoring.verdict(null, null, p, "c", List.of(onSecondFrame), new int[] {0, 0, 1});
        assertThat(exempt.action()).isEqualTo(Policy.Action.ALLOW);
        assertThat(exempt.rule()).startsWith("exempt: negative bank known-fine entry template");
    }

    @Test
    void aCategoryWithOnlyABankHasNoReviewBand() {
        ScoringPolicy banded = new ScoringPolicy(PolicyFiles.parse(POLICY.replace("version: 1\n", "version: 1\nreviewBand: 0.2\n")
                .replace("threshold: 0.5\n    bank: known-bad", "threshold: 0.1\n    bank: known-bad"), "band"),
                ClipScoring.prompts(engine));
        assertThat(banded.policy().categories().get(0).threshold()).isEqualTo(0.1);
        ScoringPolicy.Verdict v = banded.verdict(null, null, new double[] {0, 0, 0}, "c", List.of());
        assertThat(v.action()).as("a bank-only category scores 0, which is no closeness to its threshold").isNotEqualTo(Policy.Action.REVIEW);
    }

    @Test
    void flatImagesAreNotLookedUpAndAFullBankMakesNoNewBank() {
        BufferedImage flat = new BufferedImage(200, 200, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics g = flat.getGraphics();
        g.setColor(java.awt.Color.GRAY);
        g.fillRect(0, 0, 200, 200);
        byte[] bytes;
        try {
            bytes = jpeg(flat, 0.9f);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        PdqHasher.Result hashed = pipeline.prepare(bytes).hashes().get(0);
        assertThat(hashed.quality()).isLessThan(Banks.MIN_QUALITY);
        Banks banks = new Banks(1);
        banks.put(new Banks.Entry("known-bad", "flat", hashed.hash(), null, null, null));
        banks.publish(Instant.now());
        assertThat(decide(banks, bytes).hits()).as("too flat to be looked up").isEmpty();
        assertThat(banks.put(new Banks.Entry("another-bank", "x", new PdqHash(1, 2, 3, 4), null, null, null))).isFalse();
        assertThat(banks.counts()).containsOnlyKeys("known-bad");
    }
}
