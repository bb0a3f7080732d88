package io.clipguard.bank;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.api.security.UserFile;
import io.clipguard.app.LocalNode;
import io.clipguard.bank.kafka.BankLog;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.DecodedImage;
import io.clipguard.image.ImageDecoder;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.pdq.PdqHash;
import io.clipguard.pdq.PdqHasher;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.schema.BankEntry;
import io.clipguard.testing.LiveNode;
import io.clipguard.tools.synth.RandomVectors;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Banks on a running instance: staff add an image through the API, a re-encoded, halved and
 * turned copy uploaded afterwards is blocked with the bank named in the decision and the audit
 * record; a change reaches another instance's banks within a second; a past decision's hash can
 * be banked by its contentId; roles hold.
 */
@QuarkusTest
class BankIT {
    static final String PASSWORD = "correct horse battery";
    static final ObjectMapper JSON = new ObjectMapper();
    static final String POLICY = """
            schemaVersion: 2
            id: demo-shapes
            version: 1
            model: clipguard/demo-shapes
            templates: ["a photo of a {}"]
            banks:
              - id: known-bad
                kind: pdq
                maxDistance: 31
            categories:
              - id: known-bad-reuploads
                name: Re-uploads of removed content
                action: block
                threshold: 0.5
                bank: known-bad
              - id: red-triangle
                action: block
                threshold: 0.5
                prompts: ["red triangle"]
            benign: ["blue circle", "blue square", "green circle", "green square", "green triangle", "red circle", "red square"]
            """;

    @Inject
    LocalNode local;

    @ConfigProperty(name = "clipguard.users.file")
    Path usersFile;

    static String json(Object o) throws Exception {
        return JSON.writeValueAsString(o);
    }

    @Test
    void anImageBankedThroughTheApiBlocksItsAlteredCopiesOnEveryInstance() throws Exception {
        Files.deleteIfExists(usersFile);
        UserFile.put(usersFile, "bea", PASSWORD.toCharArray(), Set.of("banker"));
        UserFile.put(usersFile, "vera", PASSWORD.toCharArray(), Set.of("viewer"));
        UserFile.put(usersFile, "kay", PASSWORD.toCharArray(), Set.of("viewer", "publisher@kids-shapes"));
        Path dir = Files.createTempDirectory("bank-it");
        Path policy = dir.resolve("banks.yaml");
        Files.writeString(policy, POLICY);
        byte[] photo;
        try (InputStream in = BankIT.class.getResourceAsStream("/pdq/q2821.jpg")) {
            photo = in.readAllBytes();
        }
        try (LiveNode live = new LiveNode(dir, "bank-it", Map.of("clipguard.policies.file", policy.toString(), "clipguard.banks.max-entries", "3"),
                local)) {
            Banks elsewhere = new Banks(1000);
            try (BankLog other = new BankLog(KafkaClients.of(live.kafka.bootstrapServers()), live.node.topics(), elsewhere, Clock.systemUTC())) {
                Policy declared = PolicyFiles.parse(POLICY, "test");
                DecodedImage decoded = new ImageDecoder(DecodeLimits.defaults()).decode(photo);
                PdqHasher.Result hashOfPhoto = PdqHasher.hash(decoded.rgb(), decoded.width(), decoded.height());
                String body = json(Map.of("image", Base64.getEncoder().encodeToString(photo), "reason", "removed after review"));
                given().auth().preemptive().basic("vera", PASSWORD).header("X-Requested-With", "test").contentType(ContentType.JSON).body(body)
                        .post("/banks/known-bad/entries").then().statusCode(403);
                // A publisher of one policy only may not change banks, which serve every policy.
                given().auth().preemptive().basic("kay", PASSWORD).header("X-Requested-With", "test").contentType(ContentType.JSON).body(body)
                        .post("/banks/known-bad/entries").then().statusCode(403).body("code", equalTo("FORBIDDEN"));
                // Bad requests are problems with a code, never a server error.
                for (Map<String, String> bad : List.of(Map.of("image", "not base64!"), Map.of("contentId", "x", "expiresAt", "tomorrow"),
                        Map.of("reason", "neither image nor contentId"))) {
                    given().auth().preemptive().basic("bea", PASSWORD).header("X-Requested-With", "test").contentType(ContentType.JSON)
                            .body(json(bad)).post("/banks/known-bad/entries").then().statusCode(400).body("code", equalTo("BANK_ENTRY_INVALID"));
                }

                long sent = System.nanoTime();
                JsonNode added = JSON.readTree(given().auth().preemptive().basic("bea", PASSWORD).header("X-Requested-With", "test")
                        .contentType(ContentType.JSON).body(body).post("/banks/known-bad/entries").then().statusCode(201).extract().asString());
                String entry = added.get("entry").asText();
                assertThat(added.get("pdq").asText()).hasSize(64).isEqualTo(entry);
                assertThat(added.get("source").asText()).isEqualTo("api");
                // The other instance matches with it within a second of the write.
                Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
                        .until(() -> !elsewhere.match(declared, List.of(hashOfPhoto), List.of(), "no model").isEmpty());
                double reachedMs = (System.nanoTime() - sent) / 1e6;
                System.out.printf("bank change: written, applied here and on another instance in %.0f ms%n", reachedMs);

                JsonNode banks = JSON.readTree(given().auth().preemptive().basic("vera", PASSWORD).get("/banks").then().statusCode(200)
                        .extract().asString());
                assertThat(banks.get(0).get("id").asText()).isEqualTo("known-bad");
                assertThat(banks.get(0).get("entries").asInt()).isEqualTo(1);
                assertThat(banks.get(0).get("policies").get(0).asText()).isEqualTo("demo-shapes");

                // An altered copy: re-encoded at quality 70, halved, turned a quarter.
                byte[] copy = BanksTest.jpeg(BanksTest.turned(BanksTest.half(BanksTest.read(BanksTest.jpeg(BanksTest.read(photo), 0.7f)))), 0.9f);
                live.upload("bank-copy", copy);
                JsonNode decided = JSON.readTree(Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().preemptive()
                        .basic("vera", PASSWORD).get("/decisions/bank-copy"), r -> r.statusCode() == 200).asString());
                JsonNode decision = decided.get("decision");
                assertThat(decision.get("action").asText()).isEqualTo("BLOCK");
                assertThat(decision.get("triggeringCategory").asText()).isEqualTo("known-bad-reuploads");
                JsonNode match = decision.get("bankMatches").get(0);
                assertThat(match.get("bank").asText()).isEqualTo("known-bad");
                assertThat(match.get("entry").asText()).isEqualTo(entry);
                assertThat(match.get("distance").asInt()).isLessThanOrEqualTo(31);
                assertThat(match.get("variant").asText()).isEqualTo("ROTATE_90");
                JsonNode audit = decided.get("audit");
                assertThat(audit.get("rule").asText()).startsWith("known-bad-reuploads: bank known-bad entry " + entry + ", PDQ distance");
                assertThat(audit.get("pdq").asText()).hasSize(64);
                assertThat(audit.get("bankMatches").get(0).get("bank").asText()).isEqualTo("known-bad");
                JsonNode why = JSON.readTree(given().auth().preemptive().basic("vera", PASSWORD).get("/decisions/bank-copy/explain").then()
                        .statusCode(200).extract().asString());
                assertThat(why.get("banks").get(0).asText()).startsWith("known-bad entry " + entry + ": PDQ distance ").endsWith("(ROTATE_90)");

                // A past decision's hash, banked by its contentId.
                live.upload("bank-other", BanksTest.jpeg(BanksTest.read(photo), 0.95f));
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().preemptive().basic("vera", PASSWORD)
                        .get("/decisions/bank-other").statusCode() == 200);
                JsonNode byContent = JSON.readTree(given().auth().preemptive().basic("bea", PASSWORD).header("X-Requested-With", "test")
                        .contentType(ContentType.JSON).body(json(Map.of("contentId", "bank-other"))).post("/banks/known-bad/entries").then()
                        .statusCode(201).extract().asString());
                assertThat(byContent.get("source").asText()).isEqualTo("content:bank-other");

                // Past banks.max-entries an add is refused, not accepted and then dropped by every reader.
                int status = 0;
                for (String name : List.of("q1050.jpg", "q0746.jpg", "q0291.jpg")) {
                    byte[] image;
                    try (InputStream in = BankIT.class.getResourceAsStream("/pdq/" + name)) {
                        image = in.readAllBytes();
                    }
                    status = given().auth().preemptive().basic("bea", PASSWORD).header("X-Requested-With", "test").contentType(ContentType.JSON)
                            .body(json(Map.of("image", Base64.getEncoder().encodeToString(image)))).post("/banks/known-bad/entries").statusCode();
                    if (status != 201) {
                        break;
                    }
                }
                assertThat(status).as("an add past the bound").isEqualTo(507);
                assertThat(live.node.runtime().banks().size()).isEqualTo(3);
                assertThat(live.node.runtime().banks().refused()).isZero();

                // Records anyone with write access could put on the topic, crossed through the broker: the
                // instances skip them and go on (the valid entry written after them is held).
                float[] loud = new float[live.node.runtime().engine().dimension()];
                java.util.Arrays.fill(loud, 1e6f);
                try (BankLog.Writer hostile = BankLog.writer(KafkaClients.of(live.kafka.bootstrapServers()), live.node.topics())) {
                    hostile.write(BankEntries.embedding("known-bad", "loud", loud, live.node.runtime().engine().identity().digest(), "x", "x",
                            java.time.Instant.now(), null, null));
                    hostile.write(BankEntries.pdq("Not A Bank", "x", hashOfPhoto.hash(), null, "x", "x", java.time.Instant.now(), null, null, null));
                    hostile.write(BankEntries.pdq("known-bad", "after", new PdqHash(1, 2, 3, 4), null, "x", "x", java.time.Instant.now(), null, null,
                            null));
                }
                Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
                        .until(() -> elsewhere.entries("known-bad").stream().anyMatch(e -> e.id().equals("after")));
                assertThat(elsewhere.entries("known-bad")).noneMatch(e -> e.id().equals("loud"));
                assertThat(elsewhere.counts()).doesNotContainKey("Not A Bank");
                assertThat(live.node.runtime().banks().counts()).doesNotContainKey("Not A Bank");
                assertThat(live.node.banks().skipped()).as("counted").isGreaterThanOrEqualTo(2);

                // A storm of rewrites of one entry, as a topic's uncompacted head can hold: each instance holds it once, as last written.
                List<BankEntry> storm = new ArrayList<>();
                java.util.Random random = new java.util.Random(5);
                for (int i = 0; i < 10_000; i++) {
                    storm.add(BankEntries.pdq("known-bad", "after", new PdqHash(random.nextLong(), random.nextLong(), random.nextLong(),
                            random.nextLong()), null, "x", "x", java.time.Instant.now(), null, null, null));
                }
                PdqHash lastVersion = PdqHash.parse(storm.get(storm.size() - 1).getPdq());
                try (BankLog.Writer writer = BankLog.writer(KafkaClients.of(live.kafka.bootstrapServers()), live.node.topics())) {
                    writer.writeAll(storm.iterator());
                }
                int heldBefore = elsewhere.size();
                Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> elsewhere.entries("known-bad").stream().filter(e -> e.id().equals("after")).map(Banks.Entry::pdq).toList()
                                .equals(List.of(lastVersion)));
                assertThat(elsewhere.size()).isEqualTo(heldBefore);

                // Removal reaches the other instance too.
                given().auth().preemptive().basic("bea", PASSWORD).header("X-Requested-With", "test").delete("/banks/known-bad/entries/" + entry)
                        .then().statusCode(204);
                Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
                        .until(() -> elsewhere.entries("known-bad").stream().noneMatch(e -> e.id().equals(entry)));
                given().auth().preemptive().basic("bea", PASSWORD).header("X-Requested-With", "test").delete("/banks/known-bad/entries/" + entry)
                        .then().statusCode(404).contentType("application/problem+json");
            }

            // A flood of exemplars straight to the topic, past an instance's exemplar bytes: it holds what fits, counts the rest,
            // and its batch search still answers (the product over what it holds).
            int dim = live.node.runtime().engine().dimension();
            String digest = live.node.runtime().engine().identity().digest();
            Banks tight = new Banks(100_000, 4L * dim * 1_200);
            try (BankLog follower = new BankLog(KafkaClients.of(live.kafka.bootstrapServers()), live.node.topics(), tight, Clock.systemUTC())) {
                java.util.Random random = new java.util.Random(9);
                List<BankEntry> flood = new ArrayList<>();
                for (int i = 0; i < 1_500; i++) {
                    flood.add(BankEntries.embedding("flood", "x" + i, RandomVectors.unit(dim, random), digest, "x", "x", java.time.Instant.now(),
                            null, null));
                }
                try (BankLog.Writer writer = BankLog.writer(KafkaClients.of(live.kafka.bootstrapServers()), live.node.topics())) {
                    writer.writeAll(flood.iterator());
                }
                float[][] query = {RandomVectors.unit(dim, random)};
                Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> tight.refused() >= 300 && tight.search(digest).nearest(query).get(0).nearest().containsKey("flood"));
                assertThat(tight.counts()).containsEntry("flood", 1_200);
                assertThat(tight.refused()).isEqualTo(300);
            }
        }
    }
}
