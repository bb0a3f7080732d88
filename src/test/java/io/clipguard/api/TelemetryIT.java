package io.clipguard.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.api.security.UserFile;
import io.clipguard.app.LocalNode;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.LiveNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What an operator sees of a live instance: health probes that name what is missing, the
 * Prometheus metrics with bounded labels, the Grafana dashboard in deploy/ querying only
 * metrics that exist, and the dashboard's data (the live SSE feed, thumbnails, the "why").
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TelemetryIT {
    static final String PASSWORD = "correct horse battery";
    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    LocalNode local;

    @ConfigProperty(name = "clipguard.users.file")
    Path usersFile;

    @TestHTTPResource("/")
    URL root;

    LiveNode live;

    @AfterAll
    void stop() {
        if (live != null) {
            live.close();
        }
    }

    @Test
    @Order(1)
    void readinessSaysWhatIsMissingUntilTheServiceRuns() throws Exception {
        given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"))
                .body("checks[0].data.service", equalTo("not started (yet)"));
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));

        Files.deleteIfExists(usersFile);
        UserFile.put(usersFile, "vera", PASSWORD.toCharArray(), Set.of("viewer"));
        UserFile.put(usersFile, "svc", PASSWORD.toCharArray(), Set.of("service"));
        UserFile.put(usersFile, "tess", PASSWORD.toCharArray(), Set.of("viewer"));
        live = new LiveNode(Files.createTempDirectory("telemetry"), "telemetry", Map.of("clipguard.telemetry.lag-interval", "500ms"), local);

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/q/health/ready").statusCode() == 200);
        given().get("/q/health/ready").then().body("status", equalTo("UP")).body("checks[0].data.broker", equalTo("ok"))
                .body("checks[0].data.streams", equalTo("ok")).body("checks[0].data.model", equalTo("ok"))
                .body("checks[0].data.policy", equalTo("demo-shapes v1")).body("checks[0].data.processing", equalTo("ok"));
    }

    @Test
    @Order(2)
    void metricsCountDecisionsAndDeadLettersWithBoundedLabels() {
        ShapeScenes scenes = new ShapeScenes(21);
        for (int i = 0; i < 3; i++) {
            live.upload("tel-red-" + i, Uploads.scene(scenes, "red", "triangle"));
            live.upload("tel-green-" + i, Uploads.scene(scenes, "green", "circle"));
        }
        KafkaIO.produce(live.kafka.bootstrapServers(), live.node.topics().uploaded().name(),
                List.<byte[][]>of(KafkaIO.record("tel-garbage", "not avro".getBytes(StandardCharsets.UTF_8))));
        String metrics = Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> given().get("/q/metrics").asString(),
                m -> value(m, "clipguard_decisions_total", "action=\"BLOCK\"") >= 3 && value(m, "clipguard_decisions_total", "action=\"ALLOW\"") >= 3
                        && value(m, "clipguard_dead_letters_total", "reason=\"AVRO_UNDECODABLE\"") >= 1 && m.contains("clipguard_consumer_lag{"));

        assertThat(metrics).contains("clipguard_decisions_total{action=\"BLOCK\",category=\"red-triangle\",policy_id=\"demo-shapes\",policy_version=\"1\"}");
        assertThat(value(metrics, "clipguard_decision_latency_seconds_count", "")).isGreaterThanOrEqualTo(6);
        assertThat(metrics).contains("clipguard_stage_seconds_bucket{stage=\"embed\"").contains("clipguard_batch_size_bucket{");
        assertThat(value(metrics, "clipguard_batch_size_count", "")).isPositive();
        assertThat(metrics).contains("clipguard_images_in_flight ").contains("clipguard_inference_errors_total ")
                .contains("clipguard_policy_reloads_total{outcome=\"applied\"}").contains("clipguard_model_available 1.0")
                .contains("clipguard_processing_paused 0.0").contains("clipguard_model_info{execution_provider=\"cpu\",model_digest=\"sha256:")
                .contains("jvm_memory_used_bytes{");
        // Bounded labels: no content id, no free text anywhere.
        assertThat(metrics).doesNotContain("tel-red").doesNotContain("tel-garbage").doesNotContain("not avro");
    }

    @Test
    @Order(3)
    void theGrafanaDashboardQueriesOnlyMetricsTheServiceExports() throws Exception {
        Set<String> exported = new TreeSet<>();
        for (String line : given().get("/q/metrics").asString().split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                exported.add(line.split("[{ ]", 2)[0]);
            }
        }
        JsonNode dashboard = JSON.readTree(Path.of("deploy/grafana/clipguard-dashboard.json").toFile());
        Set<String> queried = new TreeSet<>();
        Pattern name = Pattern.compile("\\b((?:clipguard|jvm)_[a-z_]+)");
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = name.matcher(target.get("expr").asText());
                while (m.find()) {
                    queried.add(m.group(1));
                }
            }
        }
        Matcher templated = name.matcher(dashboard.at("/templating/list/1/query").asText());
        while (templated.find()) {
            queried.add(templated.group(1));
        }
        assertThat(queried).hasSizeGreaterThan(12);
        assertThat(exported).containsAll(queried);
        // The alert rules too, drift among them.
        Set<String> alerted = new TreeSet<>();
        Matcher rules = name.matcher(Files.readString(Path.of("deploy/prometheus/alerts.yml")).replaceAll("(?m)^\\s*#.*$", ""));
        while (rules.find()) {
            alerted.add(rules.group(1));
        }
        assertThat(alerted).contains("clipguard_score_drift_psi", "clipguard_policy_calibration_mismatch");
        assertThat(exported).containsAll(alerted);
        assertThat(Files.readString(Path.of("deploy/prometheus/prometheus.yml"))).contains("metrics_path: /q/metrics").contains("job_name: clipguard");
    }

    /** The live feed as user vera reads it, its lines into {@code lines}; returns once subscribed. */
    private CompletableFuture<Void> openFeed(HttpClient http, LinkedBlockingQueue<String> lines) throws Exception {
        return openFeed(http, lines, "dashboard/stream", "vera");
    }

    private CompletableFuture<Void> openFeed(HttpClient http, LinkedBlockingQueue<String> lines, String path, String user) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(root.toURI().resolve(path)).header("Authorization", basic(user))
                .header("Accept", "text/event-stream").build();
        CompletableFuture<Void> stream = http.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).thenAccept(r -> r.body().forEach(lines::add));
        Thread.sleep(1000); // subscribed
        return stream;
    }

    @Test
    @Order(4)
    void theLiveFeedPushesEachDecisionWithItsThumbnailAndWhy() throws Exception {
        given().get("/dashboard/summary").then().statusCode(401);
        given().auth().preemptive().basic("svc", PASSWORD).get("/dashboard/summary").then().statusCode(403);
        HttpClient http = HttpClient.newHttpClient();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        var stream = openFeed(http, lines);
        long sent = System.nanoTime();
        live.upload("tel-live", Uploads.scene(new ShapeScenes(8), "red", "triangle"));
        JsonNode event = null;
        while (event == null) {
            String line = lines.poll(10, TimeUnit.SECONDS);
            assertThat(line).as("an SSE line").isNotNull();
            if (line.startsWith("data:") && line.contains("tel-live")) {
                event = JSON.readTree(line.substring(5));
            }
        }
        double seconds = (System.nanoTime() - sent) / 1e9;
        stream.cancel(true);
        assertThat(seconds).as("seconds from upload to the feed").isLessThan(2.0);
        assertThat(event.get("action").asText()).isEqualTo("BLOCK");
        assertThat(event.get("category").asText()).isEqualTo("red-triangle");
        assertThat(event.get("policyVersion").asInt()).isEqualTo(1);

        String thumbnail = "/dashboard/thumbnails/tel-live?partition=" + event.get("sourcePartition").asInt() + "&offset="
                + event.get("sourceOffset").asLong();
        byte[] jpeg = given().auth().preemptive().basic("vera", PASSWORD).get(thumbnail).then().statusCode(200)
                .contentType("image/jpeg").header("Cache-Control", "no-store, private").extract().asByteArray();
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(jpeg));
        assertThat(Math.max(image.getWidth(), image.getHeight())).isLessThanOrEqualTo(DashboardResource.THUMBNAIL_SIDE);
        given().auth().preemptive().basic("vera", PASSWORD).get(thumbnail.replace("tel-live", "someone-else")).then().statusCode(404)
                .body("code", equalTo("THUMBNAIL_UNAVAILABLE"));

        JsonNode why = JSON.readTree(given().auth().preemptive().basic("vera", PASSWORD).get("/decisions/tel-live/explain").then()
                .statusCode(200).extract().asString());
        assertThat(why.get("action").asText()).isEqualTo("BLOCK");
        assertThat(why.get("policyVersion").asInt()).isEqualTo(1);
        assertThat(why.get("modelDigest").asText()).startsWith("sha256:");
        assertThat(why.get("traceId").asText()).hasSize(32);
        JsonNode red = why.get("categories").get(0);
        assertThat(red.get("id").asText()).isEqualTo("red-triangle");
        assertThat(red.get("triggered").asBoolean()).isTrue();
        assertThat(red.get("probability").asDouble()).isGreaterThanOrEqualTo(red.get("threshold").asDouble());
        assertThat(red.get("prompts").size()).isPositive();
        given().auth().preemptive().basic("svc", PASSWORD).get("/decisions/tel-live/explain").then().statusCode(403);

        given().auth().preemptive().basic("vera", PASSWORD).get("/dashboard/summary").then().statusCode(200)
                .body("policy.id", equalTo("demo-shapes")).body("health.ready", equalTo(true))
                .body("perSecondByAction.BLOCK.size()", equalTo(600));
    }

    /** The sum of the samples of {@code name} whose labels contain {@code label}. */
    private static double value(String metrics, String name, String label) {
        double sum = 0;
        for (String line : metrics.split("\n")) {
            if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && line.contains(label)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static String basic(String user) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @Order(5)
    void aBurstOfTwoHundredDecisionsReachesAPromptClientCompleteAndAUserHasAtMostFourFeeds() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        var stream = openFeed(http, lines);
        ShapeScenes scenes = new ShapeScenes(9);
        java.util.List<byte[][]> burst = new java.util.ArrayList<>();
        byte[] image = Uploads.scene(scenes, "green", "circle");
        for (int i = 0; i < 200; i++) {
            burst.add(io.clipguard.testing.KafkaIO.record("burst-" + i, Uploads.bytes(Uploads.inline("burst-" + i, image))));
        }
        io.clipguard.testing.KafkaIO.produce(live.kafka.bootstrapServers(), live.node.topics().uploaded().name(), burst);
        java.util.Set<String> seen = new java.util.HashSet<>();
        boolean missed = false;
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(90).toNanos();
        while (seen.size() < 200 && System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line == null || !line.startsWith("data:")) {
                continue;
            }
            JsonNode e = JSON.readTree(line.substring(5));
            missed |= "missed".equals(e.get("kind").asText());
            if (e.hasNonNull("contentId") && e.get("contentId").asText().startsWith("burst-")) {
                seen.add(e.get("contentId").asText());
            }
        }
        assertThat(seen).as("burst events that reached the client").hasSize(200);
        assertThat(missed).isFalse();
        // Three more feeds for vera are fine; a fifth is refused.
        java.util.List<CompletableFuture<?>> more = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            more.add(openFeed(http, new LinkedBlockingQueue<>()));
        }
        HttpResponse<String> fifth = http.send(HttpRequest.newBuilder(root.toURI().resolve("dashboard/stream")).header("Authorization", basic("vera"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(fifth.statusCode()).isEqualTo(429);
        assertThat(fifth.body()).contains("RATE_LIMITED");
        more.forEach(f -> f.cancel(true));
        stream.cancel(true);
    }

    @Test
    @Order(7)
    void aFeedAndSummaryNarrowedToATenantGetThatTenantsDecisionsOnly() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        LinkedBlockingQueue<String> kids = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<String> policy = new LinkedBlockingQueue<>();
        var kidsFeed = openFeed(http, kids, "dashboard/stream?tenant=kids", "tess");
        var policyFeed = openFeed(http, policy, "dashboard/stream?policy=demo-shapes", "tess");
        byte[] image = Uploads.scene(new ShapeScenes(4), "blue", "square");
        java.util.List<byte[][]> records = new java.util.ArrayList<>();
        for (String tenant : java.util.List.of("kids", "market")) {
            for (int i = 0; i < 3; i++) {
                String key = "filter-" + tenant + "-" + i;
                var event = io.clipguard.schema.ImageUploaded.newBuilder(Uploads.inline(key, image)).setTenant(tenant).build();
                records.add(io.clipguard.testing.KafkaIO.record(key, Uploads.bytes(event)));
            }
        }
        io.clipguard.testing.KafkaIO.produce(live.kafka.bootstrapServers(), live.node.topics().uploaded().name(), records);
        java.util.Set<String> all = contentIds(policy, "filter-", 6);
        assertThat(all).hasSize(6);
        // Every decision has been sent by now: the kids' feed got its three and nothing else.
        assertThat(contentIds(kids, "filter-", 3)).containsExactlyInAnyOrder("filter-kids-0", "filter-kids-1", "filter-kids-2");
        Thread.sleep(500);
        assertThat(contentIds(kids, "filter-", 1)).isEmpty();
        given().auth().preemptive().basic("tess", PASSWORD).get("/dashboard/stream?tenant=" + "x".repeat(129)).then().statusCode(400)
                .body("code", org.hamcrest.Matchers.equalTo("INVALID_ARGUMENT"));
        // The summary narrowed the same way counts the kids' three decisions (no other tenant's here).
        io.restassured.path.json.JsonPath summary = given().auth().preemptive().basic("tess", PASSWORD).get("/dashboard/summary?tenant=kids")
                .then().statusCode(200).extract().jsonPath();
        long counted = summary.getMap("perSecondByAction").values().stream()
                .mapToLong(series -> ((java.util.List<?>) series).stream().mapToLong(v -> ((Number) v).longValue()).sum()).sum();
        assertThat(counted).isEqualTo(3);
        assertThat(summary.getInt("latencyMs.samples")).isEqualTo(3);
        given().auth().preemptive().basic("tess", PASSWORD).get("/dashboard/summary?policy=" + "x".repeat(129)).then().statusCode(400);
        kidsFeed.cancel(true);
        policyFeed.cancel(true);
    }

    /** Content ids starting with {@code prefix} read from {@code lines} until {@code n} are seen or two idle seconds pass. */
    private static java.util.Set<String> contentIds(LinkedBlockingQueue<String> lines, String prefix, int n) throws Exception {
        java.util.Set<String> seen = new java.util.LinkedHashSet<>();
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        int idle = 0;
        while (seen.size() < n && System.nanoTime() < deadline && idle < (n == 1 ? 2 : 60)) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line == null) {
                idle++;
                continue;
            }
            if (line.startsWith("data:")) {
                JsonNode e = JSON.readTree(line.substring(5));
                if (e.hasNonNull("contentId") && e.get("contentId").asText().startsWith(prefix)) {
                    seen.add(e.get("contentId").asText());
                }
            }
        }
        return seen;
    }
}
