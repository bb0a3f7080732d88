package io.clipguard.testing;

import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** What the browser tests do on every ClipGuard page: log in through its form, wait for text. */
public final class Pages {
    private Pages() {
    }

    /** Opens {@code url} and logs in through the page's form (session.js). */
    public static void logIn(WebDriver browser, String url, String user, String password) {
        browser.get(url);
        try {
            new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("user")));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("no login form at " + browser.getCurrentUrl() + ":\n" + browser.getPageSource(), e);
        }
        browser.findElement(By.id("user")).sendKeys(user);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.id("login-button")).click();
    }

    /** Waits until {@code element} shows {@code text}; fails with what it shows instead. */
    public static void waitFor(WebDriver browser, By element, String text, int seconds) {
        try {
            new WebDriverWait(browser, Duration.ofSeconds(seconds)).until(ExpectedConditions.textToBePresentInElementLocated(element, text));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("'" + text + "' not in " + element + "; it shows '" + browser.findElement(element).getText() + "'", e);
        }
    }
}
