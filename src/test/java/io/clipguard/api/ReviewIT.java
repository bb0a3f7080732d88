package io.clipguard.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.equalTo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.api.security.UserFile;
import io.clipguard.app.LocalNode;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.schema.ReviewVerdict;
import io.clipguard.testing.Chromium;
import io.clipguard.testing.Cli;
import io.clipguard.testing.LiveNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The review loop on a live instance: decisions sent to review wait in the queue, oldest
 * first; a reviewer leases one (another reviewer gets another; an expired lease frees it), gives
 * a verdict that is written once to the verdict topic, and the queue moves on; then the same
 * through the review page in Chromium with its keyboard shortcuts.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReviewIT {
    static final String PASSWORD = "correct horse battery";

    @Inject
    LocalNode local;

    @ConfigProperty(name = "clipguard.users.file")
    Path usersFile;

    @TestHTTPResource("/review/")
    URL page;

    @TestHTTPResource("/")
    URL root;

    LiveNode live;

    @BeforeAll
    void start() throws Exception {
        Files.deleteIfExists(usersFile);
        UserFile.put(usersFile, "rita", PASSWORD.toCharArray(), Set.of("reviewer"));
        UserFile.put(usersFile, "rob", PASSWORD.toCharArray(), Set.of("reviewer"));
        UserFile.put(usersFile, "vera", PASSWORD.toCharArray(), Set.of("viewer"));
        UserFile.put(usersFile, "ed", PASSWORD.toCharArray(), Set.of("viewer", "editor"));
        live = new LiveNode(Files.createTempDirectory("review"), "review", Map.of("clipguard.reviews.lease", "4s"), local);
        ShapeScenes scenes = new ShapeScenes(12);
        for (int i = 0; i < 3; i++) {
            live.upload("rev-" + i, Uploads.scene(scenes, "yellow", ShapeScenes.SHAPES.get(i)));
            Thread.sleep(50); // distinct decision times: the queue is oldest first
        }
        live.upload("rev-allowed", Uploads.scene(scenes, "green", "circle"));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> live.node.reviews().depth() == 3);
    }

    @AfterAll
    void stop() {
        live.close();
    }

    @Test
    @Order(1)
    void leasesKeepReviewersApartAndAVerdictIsWrittenOnce() throws Exception {
        as("vera").get("/reviews/next").then().statusCode(403);
        Map<String, Object> rita = as("rita").get("/reviews/next").then().statusCode(200).body("explanation.action", equalTo("REVIEW"))
                .body("explanation.categories[0].prompts.size()", org.hamcrest.Matchers.greaterThan(0)).extract().jsonPath().getMap("");
        String first = (String) rita.get("contentId");
        assertThat(first).isEqualTo("rev-0");
        assertThat(rita.get("itemId")).asString().startsWith("upload:");
        assertThat((String) as("rita").get("/reviews/next").then().statusCode(200).extract().path("contentId")).as("a reload resumes").isEqualTo(first);
        Map<String, Object> rob = as("rob").get("/reviews/next").then().statusCode(200).extract().jsonPath().getMap("");
        String second = (String) rob.get("contentId");
        assertThat(second).isEqualTo("rev-1");

        // rob names rev-0's event, but the lease he holds is for rev-1.
        verdict("rob", first, Map.of("verdict", "NO_VIOLATION", "eventId", (String) rita.get("eventId"), "leaseId", (String) rob.get("leaseId")))
                .then().statusCode(409).body("code", equalTo("LEASE_NOT_HELD"));
        verdict("rita", first, Map.of("verdict", "NO_VIOLATION")).then().statusCode(400).body("code", equalTo("VERDICT_INVALID"));
        verdict("rita", first, held(rita, Map.of("verdict", "VIOLATION", "category", "nope"))).then().statusCode(400)
                .body("code", equalTo("VERDICT_INVALID"));
        verdict("rita", first, held(rita, Map.of("verdict", "VIOLATION"))).then().statusCode(400).body("code", equalTo("VERDICT_INVALID"));
        verdict("rita", first, held(rita, Map.of("verdict", "VIOLATION", "category", "yellow-shape", "note", "clearly yellow")))
                .then().statusCode(201).body("reviewer", equalTo("rita")).body("category", equalTo("yellow-shape"));
        verdict("rita", first, held(rita, Map.of("verdict", "VIOLATION", "category", "yellow-shape"))).then().statusCode(404)
                .body("code", equalTo("REVIEW_NOT_FOUND"));
        assertThat(live.node.reviews().depth()).isEqualTo(2);

        // rob's lease runs out: the item goes to whoever asks next.
        Thread.sleep(4500);
        assertThat((String) as("rita").get("/reviews/next").then().statusCode(200).extract().path("contentId")).isEqualTo(second);

        List<ReviewVerdict> verdicts = verdicts(1);
        assertThat(verdicts).singleElement().satisfies(v -> {
            assertThat(v.getContentId()).isEqualTo(first);
            assertThat(v.getReviewer()).isEqualTo("rita");
            assertThat(v.getVerdict().name()).isEqualTo("VIOLATION");
            assertThat(v.getPolicyVersion()).isEqualTo(1);
            assertThat(v.getModelDigest()).isEqualTo(live.node.runtime().engine().identity().digest());
            assertThat(v.getNote()).isEqualTo("clearly yellow");
        });
        String metrics = given().get("/q/metrics").asString();
        assertThat(metrics).contains("clipguard_review_queue_depth 2.0").contains("clipguard_review_oldest_seconds ");
    }

    @Test
    @Order(2)
    void theReviewPageShowsTheItemBlurredAndTakesVerdictsFromTheKeyboard() throws Exception {
        Thread.sleep(4500); // the leases of the API test run out
        WebDriver browser = Chromium.start();
        try {
            browser.get(page.toString());
            new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("user")));
            browser.findElement(By.id("user")).sendKeys("rob");
            browser.findElement(By.id("password")).sendKeys(PASSWORD);
            browser.findElement(By.id("login-button")).click();
            waitFor(browser, By.id("content"), "rev-1");
            WebElement image = new WebDriverWait(browser, Duration.ofSeconds(10))
                    .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#image img.thumb")));
            assertThat(filter(browser, image)).contains("blur");
            assertThat(browser.findElement(By.id("categories")).getText()).contains("prompts:").contains("vs 0.5");
            new Actions(browser).sendKeys(Keys.SPACE).perform();
            assertThat(filter(browser, image)).isEqualTo("none");

            new Actions(browser).sendKeys("n").perform();
            waitFor(browser, By.id("status"), "Recorded: rev-1 NO_VIOLATION");
            waitFor(browser, By.id("content"), "rev-2");
            new Actions(browser).sendKeys("v").perform();
            waitFor(browser, By.id("status"), "Recorded: rev-2 VIOLATION (yellow-shape)");
            new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("empty")));
        } finally {
            browser.quit();
        }
        List<ReviewVerdict> verdicts = verdicts(3);
        assertThat(verdicts).extracting(v -> v.getContentId() + " " + v.getVerdict() + " " + v.getReviewer())
                .containsExactlyInAnyOrder("rev-0 VIOLATION rita", "rev-1 NO_VIOLATION rob", "rev-2 VIOLATION rob");
        assertThat(live.node.reviews().depth()).isZero();
    }

    @Test
    @Order(3)
    void verdictsAreTheLabelsEvaluateLearnsFrom() throws Exception {
        Map<String, String> topics = Map.of("clipguard.topics.verdicts", live.node.topics().verdicts().name(),
                "clipguard.topics.embeddings", live.node.topics().embeddings().name());
        topics.forEach(System::setProperty);
        try {
            Path out = Files.createTempDirectory("from-verdicts");
            Cli.Run run = Cli.run("evaluate", "--from-verdicts", "--policy", "policies/demo-shapes.yaml",
                    "--bootstrap-servers", live.kafka.bootstrapServers(), "--model", live.node.settings().app().model().dir().orElseThrow().toString(),
                    "--provider", "cpu", "--out", out.toString());
            assertThat(run.exit()).as(run.err()).isZero();
            JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
            assertThat(report.get("images").asInt()).as("three verdicts, each with its stored embedding").isEqualTo(3);
            JsonNode yellow = report.at("/categories/1");
            assertThat(yellow.get("id").asText()).isEqualTo("yellow-shape");
            // rev-0 and rev-2 were judged yellow shapes (both flagged: tp 2); rev-1 was judged no violation but flagged (fp 1).
            assertThat(yellow.get("tp").asInt()).isEqualTo(2);
            assertThat(yellow.get("fp").asInt()).isEqualTo(1);
            assertThat(yellow.get("precision").asDouble()).isCloseTo(2 / 3.0, within(1e-9));

            // Calibrated on those verdicts, the draft goes to the policy API as a draft version with the summary as its reason.
            java.io.InputStream stdin = System.in;
            System.setIn(new java.io.ByteArrayInputStream((PASSWORD + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            try {
                Cli.Run calibrate = Cli.run("policy", "calibrate", "--from-verdicts", "--policy", "policies/demo-shapes.yaml",
                        "--bootstrap-servers", live.kafka.bootstrapServers(), "--model", live.node.settings().app().model().dir().orElseThrow()
                                .toString(), "--provider", "cpu", "--target-precision", "0.6", "--out",
                        out.resolve("cal").toString(), "--draft-api", root.toString(), "--user", "ed");
                // Three verdicts cannot bound precision at 0.6: the thresholds stay, the draft still carries the calibrations.
                assertThat(calibrate.exit()).as(calibrate.err()).isEqualTo(5);
                assertThat(calibrate.err()).contains("CALIBRATION_UNSUPPORTED");
                assertThat(calibrate.out()).contains("draft version: 2");
            } finally {
                System.setIn(stdin);
            }
            as("ed").get("/policies/demo-shapes/versions/2").then().statusCode(200).body("state", equalTo("DRAFT"))
                    .body("author", equalTo("ed")).body("reason", org.hamcrest.Matchers.startsWith("calibrated on 3 labelled images (95 % bounds): red-triangle unchanged"));
        } finally {
            topics.keySet().forEach(System::clearProperty);
        }
    }

    @Test
    @Order(4)
    void aVerdictOnAnImageAReUploadReplacedIsStaleAndTheNewImageIsReviewedOnItsOwn() throws Exception {
        Thread.sleep(4500); // earlier leases run out
        ShapeScenes scenes = new ShapeScenes(13);
        live.upload(Uploads.inline("rev-stale", Uploads.scene(scenes, "yellow", "circle")));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> live.node.reviews().depth() == 1);
        Map<String, Object> rita = as("rita").get("/reviews/next").then().statusCode(200).extract().jsonPath().getMap("");
        assertThat(rita.get("eventId")).isEqualTo("evt-rev-stale");
        // The uploader sends another image under the same contentId while rita looks at the first.
        live.upload(io.clipguard.schema.ImageUploaded.newBuilder(Uploads.inline("rev-stale", Uploads.scene(scenes, "yellow", "square")))
                .setEventId("evt-rev-stale-2").build());
        Map<String, Object> rob = Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            var r = as("rob").get("/reviews/next");
            return r.statusCode() == 200 ? r.jsonPath().<String, Object>getMap("") : null;
        }, m -> m != null && "evt-rev-stale-2".equals(m.get("eventId")));
        assertThat(rob.get("itemId")).isNotEqualTo(rita.get("itemId"));
        verdict("rita", "rev-stale", held(rita, Map.of("verdict", "NO_VIOLATION"))).then().statusCode(409).body("code", equalTo("REVIEW_STALE"));
        verdict("rob", "rev-stale", held(rob, Map.of("verdict", "NO_VIOLATION"))).then().statusCode(201).body("eventId", equalTo("evt-rev-stale-2"))
                .body("itemId", equalTo(rob.get("itemId")));
        assertThat(live.node.reviews().depth()).isZero();
    }

    private static RequestSpecification as(String user) {
        return given().auth().preemptive().basic(user, PASSWORD).header("X-Requested-With", "test");
    }

    /** {@code verdict} with the event and lease of the item {@code next} gave. */
    private static Map<String, String> held(Map<String, Object> next, Map<String, String> verdict) {
        Map<String, String> body = new java.util.HashMap<>(verdict);
        body.put("eventId", (String) next.get("eventId"));
        body.put("leaseId", (String) next.get("leaseId"));
        return body;
    }

    private static io.restassured.response.Response verdict(String user, String contentId, Map<String, String> body) {
        return as(user).contentType(ContentType.JSON).body(body).post("/reviews/" + contentId + "/verdict");
    }

    private List<ReviewVerdict> verdicts(int expected) {
        String topic = live.node.topics().verdicts().name();
        try (KafkaConsumer<byte[], byte[]> c = live.node.clients().newConsumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            List<TopicPartition> partitions = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            List<ReviewVerdict> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline && out.size() < expected) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(AvroSerde.REVIEW_VERDICT.deserializer().deserialize(topic, r.value()));
                }
            }
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(1000))) {
                out.add(AvroSerde.REVIEW_VERDICT.deserializer().deserialize(topic, r.value()));
            }
            return out;
        }
    }

    private static String filter(WebDriver browser, WebElement image) {
        return (String) ((JavascriptExecutor) browser).executeScript("return getComputedStyle(arguments[0]).filter", image);
    }

    private static void waitFor(WebDriver browser, By element, String text) {
        try {
            new WebDriverWait(browser, Duration.ofSeconds(15)).until(ExpectedConditions.textToBePresentInElementLocated(element, text));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("'" + text + "' not in " + element + "; it shows '" + browser.findElement(element).getText() + "'; page: "
                    + browser.findElement(By.tagName("main")).getAttribute("outerHTML"), e);
        }
    }
}
