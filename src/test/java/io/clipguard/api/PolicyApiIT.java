package io.clipguard.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import io.clipguard.api.security.UserFile;
import io.clipguard.app.LocalNode;
import io.clipguard.testing.DemoPolicy;
import io.clipguard.testing.LiveNode;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The policy API over HTTP on a live instance (real broker, demo model): every endpoint
 * against every role (401 without or with wrong credentials, 403 with the wrong role, the
 * endpoint's own answer with the right one), invalid documents (400 with field paths), the
 * two-person rule, and a draft -> backtest -> publish -> rollback flow with its change log.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PolicyApiIT {
    static final String PASSWORD = "correct horse battery";
    static final String ID = "demo-shapes";
    static final String DEMO = DemoPolicy.yaml();

    @Inject
    LocalNode local;

    @ConfigProperty(name = "clipguard.users.file")
    Path usersFile;

    LiveNode live;

    /** One endpoint: how to call it, who may, and what the right role gets with this request. */
    record Endpoint(String method, String path, Object body, Set<String> roles, int expected) {
    }

    @BeforeAll
    void start() throws Exception {
        Files.deleteIfExists(usersFile);
        UserFile.put(usersFile, "vera", PASSWORD.toCharArray(), Set.of("viewer"));
        UserFile.put(usersFile, "erin", PASSWORD.toCharArray(), Set.of("viewer", "editor"));
        UserFile.put(usersFile, "pat", PASSWORD.toCharArray(), Set.of("viewer", "publisher"));
        UserFile.put(usersFile, "ed", PASSWORD.toCharArray(), Set.of("editor", "publisher"));
        UserFile.put(usersFile, "nora", PASSWORD.toCharArray(), Set.of());
        UserFile.put(usersFile, "svc", PASSWORD.toCharArray(), Set.of("service"));
        UserFile.put(usersFile, "mark", PASSWORD.toCharArray(), Set.of("viewer", "editor@market-policy", "publisher@market-policy"));
        UserFile.put(usersFile, "kim", PASSWORD.toCharArray(), Set.of("viewer", "editor@demo-shapes"));
        live = new LiveNode(Files.createTempDirectory("api"), "api", Map.of("clipguard.policies.two-person-rule", "true"), local);
    }

    @AfterAll
    void stop() {
        live.close();
    }

    static List<Endpoint> endpoints() {
        Set<String> read = Set.of("viewer", "editor", "publisher");
        Set<String> edit = Set.of("editor");
        Set<String> publish = Set.of("publisher");
        Map<String, String> reason = Map.of("reason", "matrix");
        return List.of(
                new Endpoint("GET", "/policies", null, read, 200),
                new Endpoint("GET", "/policies/demo-shapes", null, read, 200),
                new Endpoint("GET", "/policies/demo-shapes/versions/1", null, read, 200),
                new Endpoint("GET", "/policies/demo-shapes/diff?from=1&to=1", null, read, 200),
                new Endpoint("GET", "/policies/demo-shapes/changes", null, read, 200),
                new Endpoint("GET", "/policies/demo-shapes/shadow/report?version=1", null, read, 200),
                new Endpoint("GET", "/me", null, read, 200),
                new Endpoint("POST", "/policies/validate", Map.of("yaml", DEMO), edit, 200),
                new Endpoint("POST", "/policies/demo-shapes/drafts", Map.of("yaml", "id: [", "reason", "matrix"), edit, 400),
                new Endpoint("POST", "/policies/demo-shapes/try", Map.of("yaml", "id: [", "contentId", "matrix"), edit, 400),
                new Endpoint("POST", "/policies/document", Map.of("yaml", DEMO), read, 200),
                new Endpoint("POST", "/policies/demo-shapes/backtest", Map.of("yaml", "id: ["), edit, 400),
                new Endpoint("POST", "/policies/demo-shapes/versions/99/backtest", null, edit, 404),
                new Endpoint("GET", "/policies/backtests/no-such-job", null, edit, 404),
                new Endpoint("POST", "/policies/demo-shapes/versions/99/publish", reason, publish, 404),
                new Endpoint("POST", "/policies/demo-shapes/versions/99/shadow", reason, publish, 404),
                new Endpoint("POST", "/policies/demo-shapes/shadow/stop", reason, publish, 409),
                new Endpoint("POST", "/policies/demo-shapes/rollback", Map.of("version", 99, "reason", "matrix"), publish, 404));
    }

    @Test
    @Order(1)
    void everyEndpointAnswersEachRoleAsDocumented() {
        Map<String, Set<String>> users = Map.of("vera", Set.of("viewer"), "erin", Set.of("viewer", "editor"),
                "pat", Set.of("viewer", "publisher"), "nora", Set.of());
        for (Endpoint e : endpoints()) {
            if (e.method().equals("GET")) {
                call(given(), e).then().statusCode(401).contentType(Problem.MEDIA_TYPE).body("code", equalTo("UNAUTHENTICATED"))
                        .header("WWW-Authenticate", startsWith("Basic"));
            }
            call(script(given().auth().preemptive().basic("erin", "wrong password")), e).then().statusCode(401);
            // Script requests get no challenge, so browsers show the editor's form, not their own dialog.
            assertThat(call(script(given()), e).then().statusCode(401).extract().header("WWW-Authenticate")).isNull();
            for (Map.Entry<String, Set<String>> u : users.entrySet()) {
                boolean allowed = u.getValue().stream().anyMatch(e.roles()::contains);
                Response r = call(as(u.getKey()), e);
                if (allowed) {
                    assertThat(r.statusCode()).as(u.getKey() + " " + e.method() + " " + e.path() + ": " + r.asString()).isEqualTo(e.expected());
                } else {
                    assertThat(r.statusCode()).as(u.getKey() + " " + e.method() + " " + e.path()).isEqualTo(403);
                    assertThat(r.jsonPath().getString("code")).isEqualTo("FORBIDDEN");
                }
            }
        }
    }

    @Test
    @Order(2)
    void invalidDocumentsAre400WithFieldPaths() {
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", DEMO.replace("threshold: 0.5", "threshold: 1.5")))
                .post("/policies/validate").then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                .body("code", equalTo("POLICY_INVALID")).body("errors", hasItem(startsWith("$.categories[0].threshold")));
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", DEMO + "\nextra: &a [1]\nmore: *a\n", "reason", "alias"))
                .post("/policies/demo-shapes/drafts").then().statusCode(400).body("detail", containsString("anchors and aliases"));
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", DEMO.replace("model: clipguard/demo-shapes", "model: openai/clip-vit-base-patch32")))
                .post("/policies/validate").then().statusCode(400).body("code", equalTo("POLICY_MODEL_MISMATCH"));
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", DEMO)).post("/policies/demo-shapes/drafts")
                .then().statusCode(400).body("code", equalTo("REASON_REQUIRED"));
        // A prompt longer than the model reads (with a template) would be cut silently: refused with its path.
        String long_ = "a very long description of something ".repeat(6).strip();
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", DEMO.replace("prompts: [\"red triangle\"]", "prompts: [\"red triangle\", \""
                        + long_ + "\"]"))).post("/policies/validate").then().statusCode(400).body("code", equalTo("POLICY_INVALID"))
                .body("errors", hasItem(startsWith("$.categories[0].prompts[1]: with template")));
    }

    @Test
    @Order(3)
    void draftBacktestPublishRollbackWithTheTwoPersonRuleAndAChangeLog() throws Exception {
        ShapeScenes scenes = new ShapeScenes(9);
        for (int i = 0; i < 12; i++) {
            live.upload("api-" + i, Uploads.scene(scenes, i % 2 == 0 ? "red" : "blue", "triangle"));
        }
        for (int i = 0; i < 12; i++) {
            awaitDecision("api-" + i, 1);
        }
        int draft = as("erin").contentType(ContentType.JSON)
                .body(Map.of("yaml", DEMO.replace("action: block", "action: review"), "reason", "review red triangles", "basedOn", 1))
                .post("/policies/demo-shapes/drafts").then().statusCode(201).body("author", equalTo("erin"))
                .body("state", equalTo("DRAFT")).extract().path("version");
        assertThat(draft).isEqualTo(2);

        // Backtest: progress, then a report in which the six red triangles change from BLOCK to REVIEW.
        String job = as("erin").post("/policies/demo-shapes/versions/2/backtest?limit=1000").then().statusCode(202)
                .extract().path("jobId");
        Response done = Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> as("erin").get("/policies/backtests/" + job), r -> List.of("DONE", "FAILED").contains(r.jsonPath().getString("state")));
        assertThat(done.jsonPath().getString("state")).as(done.asString()).isEqualTo("DONE");
        assertThat(done.jsonPath().getInt("report.images")).isEqualTo(12);
        assertThat(done.jsonPath().getInt("report.changed")).isEqualTo(6);
        assertThat(done.jsonPath().getList("report.samples.'BLOCK->REVIEW'")).hasSize(5);
        assertThat(done.jsonPath().getLong("recordsRead")).isPositive();

        // Two-person rule: ed wrote v3 and cannot publish it; pat publishes erin's v2.
        as("ed").contentType(ContentType.JSON).body(Map.of("yaml", DEMO, "reason", "mine")).post("/policies/demo-shapes/drafts")
                .then().statusCode(201);
        as("ed").contentType(ContentType.JSON).body(Map.of("reason", "self-approval")).post("/policies/demo-shapes/versions/3/publish")
                .then().statusCode(403).body("code", equalTo("TWO_PERSON_RULE"));
        as("pat").contentType(ContentType.JSON).body(Map.of("reason", "approved")).post("/policies/demo-shapes/versions/2/publish")
                .then().statusCode(200).body("activeVersion", equalTo(2)).body("changedBy", equalTo("pat"));
        as("vera").get("/policies").then().statusCode(200).body("enforcedHere.activeVersion", equalTo(2));
        live.upload("api-after", Uploads.scene(scenes, "red", "triangle"));
        assertThat(awaitDecision("api-after", 2)).isEqualTo("REVIEW");

        as("vera").get("/policies/demo-shapes/diff?from=1&to=2").then().statusCode(200)
                .body("diff", containsString("-    action: block")).body("diff", containsString("+    action: review"));
        as("pat").contentType(ContentType.JSON).body(Map.of("version", 2, "reason", "x")).post("/policies/demo-shapes/rollback")
                .then().statusCode(409).body("code", equalTo("ALREADY_ACTIVE"));
        as("pat").contentType(ContentType.JSON).body(Map.of("version", 1, "reason", "too many reviews")).post("/policies/demo-shapes/rollback")
                .then().statusCode(200).body("activeVersion", equalTo(1));

        List<Map<String, Object>> changes = as("vera").get("/policies/demo-shapes/changes").then().statusCode(200).extract().path("$");
        assertThat(changes).extracting(c -> c.get("kind") + " " + c.get("author") + " " + c.get("reason")).containsSubsequence(
                "DRAFT_CREATED erin review red triangles", "DRAFT_CREATED ed mine", "PUBLISHED pat approved",
                "ROLLED_BACK pat too many reviews");
        assertThat(changes).filteredOn(c -> "ROLLED_BACK".equals(c.get("kind"))).singleElement()
                .satisfies(c -> assertThat((String) c.get("diff")).contains("+    action: block"));
    }

    @Test
    @Order(4)
    void stateChangesNeedTheScriptHeaderAndAJsonBodySoOtherSitesCannotForgeThem() {
        // With valid credentials (a browser would attach cached ones), but as a cross-site form or no-cors fetch can send it.
        given().auth().preemptive().basic("erin", PASSWORD).contentType(ContentType.JSON).body(Map.of("yaml", DEMO, "reason", "forged"))
                .post("/policies/demo-shapes/drafts").then().statusCode(403).contentType(Problem.MEDIA_TYPE)
                .body("code", equalTo("CSRF_REJECTED")).body("detail", containsString("X-Requested-With"));
        as("erin").contentType(ContentType.TEXT).body("{\"yaml\": \"x\", \"reason\": \"forged\"}")
                .post("/policies/demo-shapes/drafts").then().statusCode(403).body("code", equalTo("CSRF_REJECTED"))
                .body("detail", containsString("not application/json"));
        as("erin").contentType("application/x-www-form-urlencoded").formParam("reason", "forged")
                .post("/policies/demo-shapes/versions/1/backtest").then().statusCode(403).body("code", equalTo("CSRF_REJECTED"));
        as("vera").get("/policies/demo-shapes").then().statusCode(200).body("versions.findAll { it.reason == 'forged' }.size()", equalTo(0));
    }

    @Test
    @Order(5)
    void decisionsNeedALoginAndServiceAccountsSeeTheDecisionAlone() {
        live.upload("svc-1", Uploads.scene(new ShapeScenes(3), "red", "triangle"));
        awaitDecision("svc-1", 1);
        given().get("/decisions/svc-1").then().statusCode(401).body("code", equalTo("UNAUTHENTICATED"));
        given().auth().preemptive().basic("nora", PASSWORD).get("/decisions/svc-1").then().statusCode(403);
        as("vera").get("/decisions/svc-1").then().statusCode(200).body("decision.action", equalTo("BLOCK"))
                .body("audit.image.source", equalTo("inline"));
        Response service = as("svc").get("/decisions/svc-1").then().statusCode(200).body("decision.action", equalTo("BLOCK")).extract().response();
        assertThat(service.jsonPath().getMap("$")).containsOnlyKeys("decision");
        as("vera").get("/decisions/no-such-content").then().statusCode(404).body("code", equalTo("DECISION_NOT_FOUND"));
    }

    @Test
    @Order(6)
    void theOpenApiDocumentDescribesThePolicyApi() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey("/policies/{policyId}/drafts"))
                .body("paths", org.hamcrest.Matchers.hasKey("/policies/{policyId}/rollback"))
                .body("paths", org.hamcrest.Matchers.hasKey("/policies/{policyId}/try"))
                .body("paths", org.hamcrest.Matchers.hasKey("/decisions/{contentId}"));
    }

    @Test
    @Order(7)
    void aDraftIsTriedOnAnImageOrAPastDecisionBesideTheActiveVersion() {
        String review = DEMO.replace("action: block", "action: review");
        String image = Base64.getEncoder().encodeToString(Uploads.scene(new ShapeScenes(5), "red", "triangle"));
        Response tried = as("erin").contentType(ContentType.JSON).body(Map.of("yaml", review, "image", image)).post("/policies/demo-shapes/try")
                .then().statusCode(200).extract().response();
        assertThat(tried.jsonPath().getString("draft.action")).as(tried.asString()).isEqualTo("REVIEW");
        assertThat(tried.jsonPath().getString("draft.rule")).contains("red-triangle");
        assertThat(tried.jsonPath().getString("active.action")).isEqualTo("BLOCK");
        assertThat(tried.jsonPath().getInt("active.version")).isEqualTo(1);
        assertThat(tried.jsonPath().getString("model")).isNotBlank();
        // Only the action changed: every category scores the same under both, and the draft lists them all.
        List<Map<String, Object>> draftScores = tried.jsonPath().getList("draft.scores");
        assertThat(draftScores).isNotEmpty().allSatisfy(s -> assertThat(s).containsKeys("category", "probability", "threshold", "triggered"));
        assertThat(draftScores).extracting(s -> s.get("category") + "=" + s.get("probability"))
                .containsExactlyElementsOf(tried.jsonPath().<Map<String, Object>>getList("active.scores").stream()
                        .map(s -> s.get("category") + "=" + s.get("probability")).toList());

        // A category whose prompt no longer describes the image lets it through under the draft.
        String reworded = DEMO.replace("prompts: [\"red triangle\"]", "prompts: [\"blue square\"]");
        assertThat(reworded).isNotEqualTo(DEMO);
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", reworded, "image", image)).post("/policies/demo-shapes/try")
                .then().statusCode(200).body("draft.action", not(equalTo("BLOCK"))).body("active.action", equalTo("BLOCK"))
                .body("draft.scores.find { it.category == 'red-triangle' }.triggered", equalTo(false));

        // A past decision: its upload is read again from the topic.
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", review, "contentId", "api-0")).post("/policies/demo-shapes/try")
                .then().statusCode(200).body("contentId", equalTo("api-0")).body("draft.action", equalTo("REVIEW"))
                .body("active.action", equalTo("BLOCK"));

        // A document asking for more prompt texts than the cap is refused before any is embedded.
        StringBuilder many = new StringBuilder(DEMO.substring(0, DEMO.indexOf("categories:"))).append("categories:\n");
        for (int c = 0; c < 11; c++) {
            many.append("  - id: c").append(c).append("\n    action: block\n    threshold: 0.5\n    prompts:\n");
            for (int p = 0; p < 100; p++) {
                many.append("      - thing ").append(c).append(' ').append(p).append('\n');
            }
        }
        many.append(DEMO.substring(DEMO.indexOf("benign:")));
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", many.toString(), "image", image)).post("/policies/demo-shapes/try")
                .then().statusCode(400).body("code", equalTo("POLICY_INVALID")).body("errors[0]", containsString("prompt texts"));

        // Bad requests get their codes.
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", review, "image", image, "contentId", "api-0")).post("/policies/demo-shapes/try")
                .then().statusCode(400).body("code", equalTo("INVALID_ARGUMENT"));
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", "categories: 3", "image", image)).post("/policies/demo-shapes/try")
                .then().statusCode(400).body("code", equalTo("POLICY_INVALID"));
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", review, "contentId", "no-such-content")).post("/policies/demo-shapes/try")
                .then().statusCode(404).body("code", equalTo("DECISION_NOT_FOUND"));
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", review, "image", "not base64!")).post("/policies/demo-shapes/try")
                .then().statusCode(400).body("code", equalTo("INVALID_ARGUMENT"));
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", review, "image", Base64.getEncoder().encodeToString(new byte[] {1, 2, 3})))
                .post("/policies/demo-shapes/try").then().statusCode(422).body("code", equalTo("IMAGE_UNSUPPORTED_FORMAT"));
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", review.replace("id: demo-shapes", "id: another"), "image", image))
                .post("/policies/demo-shapes/try").then().statusCode(400).body("code", equalTo("POLICY_INVALID"));
    }

    @Test
    @Order(8)
    void rolesScopedToAnotherPolicyCannotChangeThisOne() {
        as("mark").get("/me").then().statusCode(200).body("roles", hasItem("editor@market-policy")).body("roles", hasItem("publisher"));
        as("mark").get("/policies/demo-shapes").then().statusCode(200);
        as("mark").contentType(ContentType.JSON).body(Map.of("yaml", DEMO, "reason", "not mine")).post("/policies/demo-shapes/drafts")
                .then().statusCode(403).body("code", equalTo("FORBIDDEN")).body("detail", containsString("not of demo-shapes"));
        as("mark").contentType(ContentType.JSON).body(Map.of("reason", "not mine")).post("/policies/demo-shapes/versions/1/publish")
                .then().statusCode(403).body("code", equalTo("FORBIDDEN"));
        as("mark").contentType(ContentType.JSON).body(Map.of("version", 2, "reason", "not mine")).post("/policies/demo-shapes/rollback")
                .then().statusCode(403).body("code", equalTo("FORBIDDEN"));
        as("mark").contentType(ContentType.JSON).body(Map.of("yaml", DEMO)).post("/policies/validate")
                .then().statusCode(403).body("code", equalTo("FORBIDDEN"));
        as("mark").contentType(ContentType.JSON).body(Map.of("yaml", DEMO, "contentId", "api-0")).post("/policies/demo-shapes/try")
                .then().statusCode(403).body("code", equalTo("FORBIDDEN"));
        as("mark").contentType(ContentType.JSON).body(Map.of("tenants", List.of("market"), "reason", "not mine"))
                .put("/policies/demo-shapes/tenants").then().statusCode(403).body("code", equalTo("FORBIDDEN"));
        // An editor scoped to this policy edits it, and is no publisher of it.
        as("kim").contentType(ContentType.JSON).body(Map.of("yaml", DEMO, "reason", "mine")).post("/policies/demo-shapes/drafts")
                .then().statusCode(201).body("author", equalTo("kim"));
        as("kim").contentType(ContentType.JSON).body(Map.of("reason", "x")).post("/policies/demo-shapes/versions/1/publish")
                .then().statusCode(403);
    }

    @Test
    @Order(9)
    void aPublisherNamesTheTenantsAPolicyDecides() {
        as("pat").contentType(ContentType.JSON).body(Map.of("tenants", List.of("shop", "acme"), "reason", "both products"))
                .put("/policies/demo-shapes/tenants").then().statusCode(200).body("tenants", equalTo(List.of("acme", "shop")))
                .body("changedBy", equalTo("pat"));
        as("vera").get("/policies/demo-shapes").then().statusCode(200).body("head.tenants", equalTo(List.of("acme", "shop")));
        as("pat").contentType(ContentType.JSON).body(Map.of("tenants", List.of("not a tenant!"), "reason", "x"))
                .put("/policies/demo-shapes/tenants").then().statusCode(400).body("code", equalTo("INVALID_ARGUMENT"));
        as("pat").contentType(ContentType.JSON).body(Map.of("tenants", List.of("x"), "reason", "x"))
                .put("/policies/no-such-policy/tenants").then().statusCode(409).body("code", equalTo("NO_ACTIVE_VERSION"));
        as("erin").contentType(ContentType.JSON).body(Map.of("tenants", List.of("x"), "reason", "x"))
                .put("/policies/demo-shapes/tenants").then().statusCode(403);
        List<Map<String, Object>> changes = as("vera").get("/policies/demo-shapes/changes").then().statusCode(200).extract().path("$");
        assertThat(changes).anySatisfy(c -> assertThat((String) c.get("diff")).contains("+tenants: acme, shop"));
    }

    @Test
    @Order(10)
    void theStudioConvertsBothWaysBacktestsADraftsTextAndSavesTheBacktestWithIt() {
        // YAML -> form data, problems under their field paths.
        Response read = as("erin").contentType(ContentType.JSON).body(Map.of("yaml", DEMO.replaceFirst("threshold: 0.5", "threshold: 1.5"),
                "policyId", ID)).post("/policies/document").then().statusCode(200).extract().response();
        assertThat(read.jsonPath().getString("document.categories[0].id")).isEqualTo("red-triangle");
        assertThat(read.jsonPath().getList("errors", String.class)).anySatisfy(e -> assertThat(e).startsWith("$.categories[0].threshold:"));
        // Form data -> YAML.
        Map<String, Object> document = read.jsonPath().getMap("document");
        as("erin").contentType(ContentType.JSON).body(Map.of("document", document, "policyId", ID)).post("/policies/document")
                .then().statusCode(200).body("yaml", containsString("threshold: 1.5")).body("errors[0]", containsString("threshold"));
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", DEMO, "document", document)).post("/policies/document")
                .then().statusCode(400).body("code", equalTo("BODY_MISSING"));
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", "a: [")).post("/policies/document")
                .then().statusCode(400).body("code", equalTo("POLICY_INVALID"));
        as("vera").contentType(ContentType.JSON).body(Map.of("yaml", DEMO, "policyId", ID)).post("/policies/document").then().statusCode(200);
        // A document another model would have to enforce is not valid here, and says so on its model field.
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", DEMO.replace("model: clipguard/demo-shapes", "model: openai/clip-vit-base-patch32"),
                "policyId", ID)).post("/policies/document").then().statusCode(200).body("errors[0]", startsWith("$.model:"));

        // A draft's text backtested before it is saved: sweeps per category, and its report.
        String stricter = DEMO.replaceFirst("threshold: 0.5", "threshold: 0.9");
        String jobId = as("erin").contentType(ContentType.JSON).body(Map.of("yaml", stricter, "limit", 1000)).post("/policies/demo-shapes/backtest")
                .then().statusCode(202).extract().path("jobId");
        Response job = Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> as("erin").get("/policies/backtests/" + jobId),
                r -> r.jsonPath().getString("state").equals("DONE"));
        assertThat(job.jsonPath().getInt("report.images")).isPositive();
        assertThat(job.jsonPath().getList("report.sweeps.red-triangle.block")).hasSize(101);
        assertThat(job.jsonPath().getMap("curves")).as("no verdicts here").isEmpty();
        // A policy that decides no tenant yet is backtested on every upload (what it would do anywhere).
        String freshJob = as("erin").contentType(ContentType.JSON).body(Map.of("yaml", stricter.replace("id: demo-shapes", "id: fresh-policy"),
                "limit", 1000)).post("/policies/fresh-policy/backtest").then().statusCode(202).extract().path("jobId");
        Response fresh = Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> as("erin").get("/policies/backtests/" + freshJob),
                r -> r.jsonPath().getString("state").equals("DONE"));
        assertThat(fresh.jsonPath().getInt("report.images")).isEqualTo(job.jsonPath().getInt("report.images"));

        // Saved with that job: the draft carries its backtest; another text or another user's job is refused.
        as("ed").contentType(ContentType.JSON).body(Map.of("yaml", stricter, "reason", "not mine", "backtestJob", jobId))
                .post("/policies/demo-shapes/drafts").then().statusCode(400).body("code", equalTo("INVALID_ARGUMENT"));
        as("erin").contentType(ContentType.JSON).body(Map.of("yaml", DEMO, "reason", "another text", "backtestJob", jobId))
                .post("/policies/demo-shapes/drafts").then().statusCode(400).body("code", equalTo("INVALID_ARGUMENT"));
        int version = as("erin").contentType(ContentType.JSON).body(Map.of("yaml", stricter, "reason", "stricter, backtested", "backtestJob", jobId))
                .post("/policies/demo-shapes/drafts").then().statusCode(201).extract().path("version");
        Response saved = as("vera").get("/policies/demo-shapes/versions/" + version).then().statusCode(200).extract().response();
        assertThat(saved.jsonPath().getString("backtest.ranBy")).isEqualTo("erin");
        assertThat(saved.jsonPath().getInt("backtest.summary.images")).isEqualTo(job.jsonPath().getInt("report.images"));
        assertThat(saved.jsonPath().getInt("backtest.comparedWith")).isEqualTo(job.jsonPath().getInt("report.beforeVersion"));
        assertThat(saved.jsonPath().getMap("backtest.summary")).doesNotContainKey("sweeps");
        assertThat(as("vera").get("/policies/demo-shapes/versions/1").then().statusCode(200).extract().jsonPath().getString("backtest")).isNull();
    }

    private String awaitDecision(String key, int version) {
        return Awaitility.await("decision for " + key + " under v" + version).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> as("vera").get("/decisions/" + key),
                        r -> r.statusCode() == 200 && r.jsonPath().getInt("decision.policyVersion") == version)
                .jsonPath().getString("decision.action");
    }

    /** A request as the editor sends it: credentials and the X-Requested-With header that state-changing calls need. */
    private static RequestSpecification as(String user) {
        return script(given().auth().preemptive().basic(user, PASSWORD));
    }

    private static RequestSpecification script(RequestSpecification spec) {
        return spec.header("X-Requested-With", "test");
    }

    private static Response call(RequestSpecification spec, Endpoint e) {
        if (e.body() != null) {
            spec = spec.contentType(ContentType.JSON).body(e.body());
        }
        return e.method().equals("GET") ? spec.get(e.path()) : spec.post(e.path());
    }
}
