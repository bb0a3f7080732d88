package io.clipguard.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.api.security.UserFile;
import io.clipguard.app.LocalNode;
import io.clipguard.testing.Chromium;
import io.clipguard.testing.LiveNode;
import io.clipguard.testing.Pages;
import io.clipguard.testing.Uploads;
import io.clipguard.tools.demo.ShapeScenes;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
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
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The policy editor in a real browser: Debian's chromium, headless, driven through Debian's
 * chromedriver by explicit paths (nothing is downloaded). A viewer sees no edit controls; an
 * editor-publisher logs in, edits a threshold, sees the validation error for a bad value,
 * saves a draft, backtests it, publishes it, and sees the next decision name the new version.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// The forgery test leaves Basic credentials cached in the browser, so it runs after the login flows.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PolicyEditorBrowserIT {
    static final String PASSWORD = "editor page password";

    @Inject
    LocalNode local;

    @ConfigProperty(name = "clipguard.users.file")
    Path usersFile;

    @TestHTTPResource("/editor/")
    URL editor;

    @Inject
    CsrfGuard csrf;

    LiveNode live;
    WebDriver browser;

    @BeforeAll
    void start() throws Exception {
        Files.deleteIfExists(usersFile);
        UserFile.put(usersFile, "vic", PASSWORD.toCharArray(), Set.of("viewer"));
        UserFile.put(usersFile, "ada", PASSWORD.toCharArray(), Set.of("viewer", "editor", "publisher"));
        live = new LiveNode(Files.createTempDirectory("editor"), "editor", Map.of("clipguard.policies.two-person-rule", "false"), local);
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
    void editValidateBacktestPublishAndSeeTheNewVersionDecide() throws Exception {
        ShapeScenes scenes = new ShapeScenes(31);
        for (int i = 0; i < 6; i++) {
            live.upload("page-" + i, Uploads.scene(scenes, i % 2 == 0 ? "yellow" : "green", "circle"));
        }
        awaitDecision("page-5");

        // A viewer sees the catalog but none of the controls that change it.
        logIn("vic");
        waitFor(By.id("opened"), "demo-shapes v1");
        assertThat(browser.findElement(By.id("save-draft")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("publish")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("backtest")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("diff")).isDisplayed()).isTrue();

        logIn("ada");
        waitFor(By.id("opened"), "demo-shapes v1");
        assertThat(browser.findElement(By.id("whoami")).getText()).contains("ada").contains("publisher");
        WebElement yaml = browser.findElement(By.id("yaml"));
        String original = yaml.getAttribute("value");
        assertThat(original).contains("threshold: 0.5");

        // A bad threshold: the validation error appears inline, with the field's path.
        setYaml(original.replaceFirst("threshold: 0.5", "threshold: 1.5"));
        browser.findElement(By.id("validate")).click();
        waitFor(By.id("errors"), "$.categories[0].threshold");
        assertThat(browser.findElement(By.id("status")).getText()).startsWith("Invalid");

        // A good one: saved as draft v2.
        setYaml(original.replaceFirst("threshold: 0.5", "threshold: 0.6"));
        browser.findElement(By.id("validate")).click();
        waitFor(By.id("status"), "Valid.");
        browser.findElement(By.id("reason")).sendKeys("stricter red-triangle threshold");
        browser.findElement(By.id("save-draft")).click();
        waitFor(By.id("status"), "Saved draft v2, backtest attached.");
        waitFor(By.id("opened"), "demo-shapes v2 (DRAFT)");

        // Backtest the draft over the stored embeddings.
        browser.findElement(By.id("backtest")).click();
        waitFor(By.id("backtest-progress"), "Backtest done");
        assertThat(browser.findElement(By.id("backtest-progress")).getText()).contains("of 6 decisions change").contains("v1 → v2");
        assertThat(browser.findElement(By.id("backtest-result")).getText()).contains("REVIEW 3 3").contains("ALLOW 3 3");

        // Diff of v1 and v2 shows the edited line.
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("diff-from"))).selectByValue("1");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("diff-to"))).selectByValue("2");
        browser.findElement(By.id("diff")).click();
        waitFor(By.id("diff-output"), "+    threshold: 0.6");

        // Publish; the next upload is decided by v2, and the page's lookup shows it.
        browser.findElement(By.id("publish")).click();
        waitFor(By.id("status"), "Published v2.");
        waitFor(By.id("enforced"), "enforces demo-shapes v2");
        live.upload("page-after", Uploads.scene(scenes, "red", "triangle"));
        awaitDecision("page-after");
        browser.findElement(By.id("content-id")).sendKeys("page-after");
        browser.findElement(By.id("lookup")).click();
        waitFor(By.id("decision-output"), "BLOCK by demo-shapes v2");
        Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), Path.of("target/policy-editor.png"),
                StandardCopyOption.REPLACE_EXISTING);

        // Roll back from the history table.
        browser.findElement(By.cssSelector("button.rollback[data-version='1']")).click();
        waitFor(By.id("enforced"), "enforces demo-shapes v1");
    }

    @Test
    @Order(2)
    void aPageOnAnotherOriginCannotChangePoliciesWithTheBrowsersCredentials() throws Exception {
        int drafts = draftCount();
        long refusedBefore = csrf.rejected();
        // The browser holds Basic credentials for ClipGuard (the user opened the API in a tab).
        String origin = editor.getProtocol() + "://" + editor.getHost() + ":" + editor.getPort();
        browser.get(editor.getProtocol() + "://ada:" + PASSWORD.replace(" ", "%20") + "@" + editor.getHost() + ":" + editor.getPort() + "/me");
        assertThat(browser.getPageSource()).contains("\"user\":\"ada\"");
        // A page on another origin (another host name and port) tries a form post and a no-cors fetch.
        String target = origin + "/policies/demo-shapes/drafts";
        String attack = "<html><body><form id='f' method='POST' enctype='text/plain' action='" + target + "'>"
                + "<input name='{\"yaml\":\"id: demo-shapes\",\"reason\":\"forged\",\"x\":\"' value='\"}'></form><script>"
                + "fetch('" + target + "', {method: 'POST', mode: 'no-cors', credentials: 'include', "
                + "body: JSON.stringify({yaml: 'id: demo-shapes', reason: 'forged'})}).finally(() => document.getElementById('f').submit());"
                + "</script></body></html>";
        com.sun.net.httpserver.HttpServer other = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        other.createContext("/attack.html", ex -> {
            byte[] body = attack.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/html");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        other.start();
        try {
            browser.get("http://127.0.0.1:" + other.getAddress().getPort() + "/attack.html");
            // Both requests reached ClipGuard and were refused before anything ran.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> csrf.rejected() >= refusedBefore + 2);
        } finally {
            other.stop(0);
        }
        assertThat(draftCount()).as("no draft was created").isEqualTo(drafts);
    }

    private int draftCount() {
        return given().auth().preemptive().basic("vic", PASSWORD).get("/policies/demo-shapes").then().statusCode(200)
                .extract().jsonPath().getList("versions").size();
    }

    private void logIn(String user) {
        Pages.logIn(browser, editor.toString(), user, PASSWORD);
    }

    private void setYaml(String text) {
        ((JavascriptExecutor) browser).executeScript("document.getElementById('yaml').value = arguments[0];", text);
    }

    private void waitFor(By element, String text) {
        Pages.waitFor(browser, element, text, 20);
    }

    private static void awaitDecision(String key) {
        Awaitility.await("decision for " + key).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> given().auth().preemptive().basic("vic", PASSWORD).get("/decisions/" + key).statusCode() == 200);
    }
}
