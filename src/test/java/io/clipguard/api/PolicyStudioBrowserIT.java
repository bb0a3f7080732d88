package io.clipguard.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.api.security.UserFile;
import io.clipguard.app.LocalNode;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.ReviewVerdict;
import io.clipguard.schema.VerdictKind;
import io.clipguard.testing.Axe;
import io.clipguard.testing.Chromium;
import io.clipguard.testing.DemoPolicy;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.LiveNode;
import io.clipguard.testing.Pages;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The policy studio end to end in Chromium, two tenants on one instance: an editor of the kids'
 * policy adds a category with the form (the YAML follows), tries an image against the draft,
 * moves the new category's threshold with the keyboard and sees the expected volumes change,
 * and saves the draft (its backtest attached); a publisher opens it, sees the attached backtest
 * and publishes it (two-person rule on); the kids' next decision names the new version while the
 * marketplace's are decided as before. Then axe-core checks the studio, the dashboard and the
 * review page, where a reviewer who is also a banker adds the image under review to the kids'
 * PDQ bank (the form kept the bank through the edit). Writes {@code target/studio.png} (the
 * screenshot in docs/trust-and-safety.md).
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PolicyStudioBrowserIT {
    static final String PASSWORD = "studio page password";
    static final String KIDS = "kids-shapes";

    @Inject
    LocalNode local;

    @ConfigProperty(name = "clipguard.users.file")
    Path usersFile;

    @TestHTTPResource("/")
    URL root;

    LiveNode live;
    WebDriver browser;
    final ShapeScenes scenes = new ShapeScenes(41);

    @BeforeAll
    void start() throws Exception {
        Files.deleteIfExists(usersFile);
        UserFile.put(usersFile, "sam", PASSWORD.toCharArray(), Set.of("viewer", "editor@" + KIDS));
        UserFile.put(usersFile, "pia", PASSWORD.toCharArray(), Set.of("viewer", "editor", "publisher"));
        UserFile.put(usersFile, "rita", PASSWORD.toCharArray(), Set.of("reviewer", "banker"));
        Path dir = Files.createTempDirectory("studio");
        Path policies = Files.createDirectories(dir.resolve("policies"));
        // The kids' policy: the demo's prompts, red triangles to review; blue squares not yet a category (nor benign);
        // a PDQ bank that reviewers fill from the review page.
        Files.writeString(policies.resolve("kids.yaml"), DemoPolicy.yaml().replace("id: demo-shapes", "id: " + KIDS)
                .replace("action: block", "action: review").replace("  - blue square\n", "")
                .replace("categories:\n", "banks:\n  - id: kids-known-bad\n    kind: pdq\ncategories:\n"));
        live = new LiveNode(dir, "studio", Map.of("clipguard.policies.dir", policies.toString(),
                "clipguard.policies.tenants", "kids=" + KIDS), local);
        browser = Chromium.start();
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        live.close();
    }

    @Test
    @Order(1)
    void anEditorDraftsWithTheFormAndASecondPersonPublishesForOneTenantOnly() throws Exception {
        // Stored uploads for the backtest: both tenants, blue squares among them; reviewers judged some.
        List<String> blue = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String tenant = i % 2 == 0 ? "kids" : "market";
            String[] scene = switch (i % 4) {
                case 0 -> new String[] {"blue", "square"};
                case 1 -> new String[] {"red", "triangle"};
                case 2 -> new String[] {"green", "circle"};
                default -> new String[] {"blue", "square"};
            };
            String key = "stored-" + i;
            if (scene[0].equals("blue")) {
                blue.add(key);
            }
            upload(key, tenant, scene[0], scene[1]);
        }
        awaitDecision("stored-11");
        List<byte[][]> verdicts = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String key = "stored-" + i;
            verdicts.add(KafkaIO.record(key, AvroSerde.REVIEW_VERDICT.encode(verdict(key, blue.contains(key)))));
        }
        KafkaIO.produce(live.kafka.bootstrapServers(), live.node.topics().verdicts().name(), verdicts);

        // The editor opens the kids' policy.
        Pages.logIn(browser, root + "editor/", "sam", PASSWORD);
        waitFor(By.id("whoami"), "sam");
        clickWhenShown(By.xpath("//ul[@id='policies']//button[text()='" + KIDS + "']"));
        waitFor(By.id("opened"), KIDS + " v1");
        // The kids' policy is backtested on the kids' uploads only (six of the twelve).
        waitFor(By.id("sweep-status"), "Backtest of the draft on 6 stored uploads");

        // A new category, through the form only; the YAML view follows.
        browser.findElement(By.id("add-category")).click();
        WebElement id = waitShown(By.id("f-categories-2-id"));
        id.clear();
        id.sendKeys("blue-square");
        WebElement name = browser.findElement(By.id("f-categories-2-name"));
        name.clear();
        name.sendKeys("Blue squares");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("f-categories-2-action"))).selectByValue("block");
        browser.findElement(By.id("f-categories-2-prompts")).sendKeys("blue square");
        waitForValue(By.id("yaml"), "- blue square");
        assertThat(browser.findElement(By.id("yaml")).getAttribute("value")).contains("- id: blue-square").contains("action: block");

        // A bad threshold typed in the box shows its error on that field.
        WebElement box = browser.findElement(By.id("f-categories-2-threshold"));
        box.clear();
        box.sendKeys("1.5");
        waitFor(By.id("f-categories-2-threshold-error"), "1");
        assertThat(box.getAttribute("aria-invalid")).isEqualTo("true");
        box.clear();
        box.sendKeys("0.5");
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElement(By.id("f-categories-2-threshold-error")).getText().isEmpty());

        // Try an image of a blue square against the draft: blocked by the new category; the active version lets it through.
        Path image = Files.createTempFile("blue-square", ".png");
        Files.write(image, Uploads.scene(scenes, "blue", "square"));
        browser.findElement(By.id("try-file")).sendKeys(image.toAbsolutePath().toString());
        waitFor(By.id("try-status"), "Draft: BLOCK (blue-square)");
        assertThat(browser.findElement(By.id("try-status")).getText()).contains("active v1: ALLOW");

        // The volumes: the draft's backtest, then the threshold moved to the top with the keyboard.
        browser.findElement(By.id("preview-volumes")).click();
        waitFor(By.id("sweep-status"), "decisions change against v1");
        String atHalf = waitText(By.id("volumes-2"), "At 0.50");
        long blockedAtHalf = blocked(atHalf);
        assertThat(blockedAtHalf).as(atHalf).isGreaterThan(0);
        assertThat(browser.findElement(By.id("curve-2")).getText()).contains("precision").contains("95 % interval");
        WebElement slider = browser.findElement(By.id("f-categories-2-threshold-slider"));
        slider.sendKeys(Keys.HOME);
        String atZero = waitText(By.id("volumes-2"), "At 0.00");
        assertThat(blocked(atZero)).as("moving the threshold to 0 blocks every stored upload: %s, then %s", atHalf, atZero)
                .isGreaterThan(blockedAtHalf);
        slider.sendKeys(Keys.END);
        String atTop = waitText(By.id("volumes-2"), "At 1.00");
        assertThat(blocked(atTop)).as("and to 1 no more than at 0.5: %s", atTop).isLessThanOrEqualTo(blockedAtHalf);
        slider.sendKeys(Keys.HOME);
        for (int i = 0; i < 50; i++) {
            slider.sendKeys(Keys.ARROW_RIGHT);
        }
        waitText(By.id("volumes-2"), "At 0.50");
        waitForValue(By.id("yaml"), "threshold: 0.5");
        // The gallery shows the stored decisions the draft changes, blurred inside buttons that reveal them.
        WebElement reveal = waitShown(By.cssSelector("#gallery button.reveal"));
        assertThat(reveal.findElement(By.tagName("img")).getAttribute("class")).contains("blurred");
        reveal.sendKeys(Keys.ENTER);
        assertThat(reveal.findElement(By.tagName("img")).getAttribute("class")).doesNotContain("blurred");

        browser.findElement(By.id("reason")).sendKeys("block blue squares in the kids' app");
        browser.findElement(By.id("save-draft")).click();
        waitFor(By.id("status"), "Saved draft v2, backtest attached.");
        assertThat(browser.findElement(By.id("publish")).isDisplayed()).as("an editor cannot publish").isFalse();

        // The second person: opens the draft, sees the attached backtest, publishes.
        browser.manage().deleteAllCookies();
        Pages.logIn(browser, root + "editor/", "pia", PASSWORD);
        waitFor(By.id("whoami"), "pia");
        clickWhenShown(By.xpath("//ul[@id='policies']//button[text()='" + KIDS + "']"));
        clickWhenShown(By.cssSelector("button.open-version[data-version='2']"));
        waitFor(By.id("opened"), KIDS + " v2 (DRAFT)");
        waitFor(By.id("attached-summary"), "Run by sam");
        assertThat(browser.findElement(By.id("attached-summary")).getText()).contains("6 stored uploads").contains("v1 → v2");
        browser.findElement(By.id("reason")).sendKeys("reviewed the backtest");
        browser.findElement(By.id("publish")).click();
        waitFor(By.id("status"), "Published v2.");

        // The kids' next decision names v2; the marketplace is decided by the default policy as before.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> live.node.runtime().tenants().switchFor("kids").status().activeVersion() == 2);
        upload("after-kids", "kids", "blue", "square");
        upload("after-market", "market", "blue", "square");
        JsonPath kids = awaitDecision("after-kids");
        JsonPath market = awaitDecision("after-market");
        assertThat(kids.getString("decision.policyId")).isEqualTo(KIDS);
        assertThat(kids.getInt("decision.policyVersion")).isEqualTo(2);
        assertThat(kids.getString("decision.action")).isEqualTo("BLOCK");
        assertThat(kids.getString("decision.triggeringCategory")).isEqualTo("blue-square");
        assertThat(market.getString("decision.policyId")).isEqualTo("demo-shapes");
        assertThat(market.getInt("decision.policyVersion")).isEqualTo(1);
        assertThat(market.getString("decision.action")).isEqualTo(awaitDecision("stored-3").getString("decision.action"));
    }

    @Test
    @Order(2)
    void theStudioDashboardAndReviewPageHaveNoSeriousAccessibilityViolations() throws Exception {
        browser.manage().deleteAllCookies();
        Pages.logIn(browser, root + "editor/", "pia", PASSWORD);
        clickWhenShown(By.xpath("//ul[@id='policies']//button[text()='" + KIDS + "']"));
        waitFor(By.id("opened"), KIDS + " v2");
        // The kids' v2 against itself: not the default policy's backtest, started on login, which may finish later.
        waitFor(By.id("sweep-status"), "decisions change against v2");
        waitShown(By.cssSelector("#curve-2 svg"));
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("document.getElementById('category-2').scrollIntoView()");
        Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), Path.of("target/studio.png"),
                StandardCopyOption.REPLACE_EXISTING);
        assertThat(Axe.seriousViolations(browser)).as("studio").isEmpty();
        assertThat(Axe.version(browser)).startsWith("4.");

        browser.manage().deleteAllCookies();
        Pages.logIn(browser, root + "dashboard/", "pia", PASSWORD);
        // The feed is live only: upload until one reaches the page after its stream opened.
        int[] sent = {0};
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(2)).until(() -> {
            upload("for-the-dashboard-" + sent[0]++, "market", "red", "triangle");
            return !browser.findElements(By.cssSelector("#feed tr[data-content-id^='for-the-dashboard']")).isEmpty();
        });
        assertThat(Axe.seriousViolations(browser)).as("dashboard").isEmpty();

        upload("for-review", "kids", "red", "triangle"); // the kids' policy sends red triangles to review
        awaitDecision("for-review");
        browser.manage().deleteAllCookies();
        Pages.logIn(browser, root + "review/", "rita", PASSWORD);
        waitShown(By.id("item"));
        // Rita is a banker too: the image under review goes into the kids' bank (its decision's PDQ hash) from the page.
        waitShown(By.id("banking"));
        assertThat(Axe.seriousViolations(browser)).as("review page").isEmpty();
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("bank"))).selectByValue("kids-known-bad");
        browser.findElement(By.id("add-to-bank")).click();
        waitFor(By.id("status"), "Added to kids-known-bad");
        assertThat(given().auth().preemptive().basic("pia", PASSWORD).get("/banks").then().extract().jsonPath()
                .getInt("find { it.id == 'kids-known-bad' }.entries")).isEqualTo(1);
        assertThat(live.node.runtime().banks().entries("kids-known-bad")).singleElement()
                .satisfies(e -> assertThat(e.pdq().toString()).isEqualTo(awaitDecision("for-review").getString("audit.pdq")));
    }

    private void upload(String key, String tenant, String colour, String shape) {
        ImageUploaded event = ImageUploaded.newBuilder(Uploads.inline(key, Uploads.scene(scenes, colour, shape))).setTenant(tenant)
                .setUploadedAt(Instant.now()).build();
        live.upload(event);
    }

    private ReviewVerdict verdict(String key, boolean blueSquare) {
        Instant now = Instant.now();
        return ReviewVerdict.newBuilder().setContentId(key).setEventId(key).setTenant("kids").setReviewer("rita")
                .setVerdict(blueSquare ? VerdictKind.VIOLATION : VerdictKind.NO_VIOLATION).setCategory(blueSquare ? "blue-square" : null)
                .setPolicyId(KIDS).setPolicyVersion(1).setModelDigest("test").setDecidedAt(now).setReviewedAt(now)
                .setInclusionProbability(1.0).build();
    }

    private static long blocked(String volumes) {
        Matcher m = Pattern.compile("block ([0-9.]+)").matcher(volumes);
        assertThat(m.find()).as(volumes).isTrue();
        return Math.round(Double.parseDouble(m.group(1)) * 1000);
    }

    private void waitFor(By element, String text) {
        Pages.waitFor(browser, element, text, 30);
    }

    private String waitText(By element, String text) {
        waitFor(element, text);
        return browser.findElement(element).getText();
    }

    private void waitForValue(By element, String text) {
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.attributeContains(element, "value", text));
    }

    private WebElement waitShown(By element) {
        return new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions.visibilityOfElementLocated(element));
    }

    private void clickWhenShown(By element) {
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.elementToBeClickable(element)).click();
    }

    private static JsonPath awaitDecision(String key) {
        Awaitility.await("decision for " + key).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> given().auth().preemptive().basic("pia", PASSWORD).get("/decisions/" + key).statusCode() == 200);
        return given().auth().preemptive().basic("pia", PASSWORD).get("/decisions/" + key).then().extract().jsonPath();
    }
}
