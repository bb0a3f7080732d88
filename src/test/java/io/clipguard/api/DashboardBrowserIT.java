package io.clipguard.api;

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
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The live dashboard in Chromium: a viewer logs in, a decision made after the page loaded
 * appears in the feed within two seconds, its thumbnail is blurred until clicked, and the
 * "why" view shows each category against its threshold with its prompts. Writes
 * {@code target/dashboard.png}.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserIT {
    static final String PASSWORD = "correct horse battery";

    @Inject
    LocalNode local;

    @ConfigProperty(name = "clipguard.users.file")
    Path usersFile;

    @TestHTTPResource("/dashboard/")
    URL dashboard;

    LiveNode live;
    WebDriver browser;

    @BeforeAll
    void start() throws Exception {
        Files.deleteIfExists(usersFile);
        UserFile.put(usersFile, "vic", PASSWORD.toCharArray(), Set.of("viewer"));
        live = new LiveNode(Files.createTempDirectory("dashboard"), "dashboard", Map.of(), local);
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
    void aDecisionAppearsLiveBlurredAndExplained() throws Exception {
        ShapeScenes scenes = new ShapeScenes(99);
        for (int i = 0; i < 24; i++) {
            live.upload("before-" + i, Uploads.scene(scenes, ShapeScenes.COLOURS.get(i % 4), ShapeScenes.SHAPES.get(i % 3)));
        }
        browser.get(dashboard.toString());
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("user")));
        browser.findElement(By.id("user")).sendKeys("vic");
        browser.findElement(By.id("password")).sendKeys(PASSWORD);
        browser.findElement(By.id("login-button")).click();
        waitFor(By.id("facts"), "policy demo-shapes v1", 10);
        waitFor(By.id("health"), "ready", 20);
        Thread.sleep(1500); // the feed subscription is open

        long sent = System.nanoTime();
        live.upload("live-red", Uploads.scene(scenes, "red", "triangle"));
        By row = By.cssSelector("#feed tr[data-content-id='live-red']");
        new WebDriverWait(browser, Duration.ofSeconds(10), Duration.ofMillis(50)).until(ExpectedConditions.presenceOfElementLocated(row));
        double seconds = (System.nanoTime() - sent) / 1e9;
        System.out.printf("dashboard: upload to feed row in %.2f s%n", seconds);
        assertThat(seconds).as("seconds from the upload to its row on the page").isLessThan(2.0);
        assertThat(browser.findElement(row).getText()).contains("BLOCK").contains("red-triangle").contains("demo-shapes v1").contains("acme");

        // The flagged image's thumbnail is blurred until clicked.
        By thumb = By.cssSelector("#feed tr[data-content-id='live-red'] img.thumb");
        WebElement image = new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(thumb));
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(d -> (Boolean) ((JavascriptExecutor) d)
                .executeScript("return arguments[0].complete && arguments[0].naturalWidth > 0", image));
        assertThat(filter(image)).contains("blur");
        for (int i = 0; i < 6; i++) {
            live.upload("after-" + i, Uploads.scene(scenes, i % 2 == 0 ? "yellow" : "red", i % 2 == 0 ? "circle" : "triangle"));
        }
        image.click();
        assertThat(filter(image)).isEqualTo("none");

        // The row opens the "why": each category against its threshold, with its prompts.
        browser.findElement(By.cssSelector("#feed tr[data-content-id='live-red'] td")).click();
        waitFor(By.id("why-content"), "live-red", 10);
        waitFor(By.id("why-summary"), "BLOCK (red-triangle)", 10);
        String categories = browser.findElement(By.id("why-categories")).getText();
        assertThat(categories).contains("prompts:").contains("vs 0.5");
        assertThat(browser.findElement(By.id("why-facts")).getText()).contains("demo-shapes v1").contains("sha256:");
        waitFor(By.id("rate"), "", 5);
        Thread.sleep(2500); // one more summary refresh, so the charts show the latest seconds
        Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), Path.of("target/dashboard.png"),
                StandardCopyOption.REPLACE_EXISTING);
    }

    private String filter(WebElement image) {
        return (String) ((JavascriptExecutor) browser).executeScript("return getComputedStyle(arguments[0]).filter", image);
    }

    private void waitFor(By element, String text, int seconds) {
        Pages.waitFor(browser, element, text, seconds);
    }
}
