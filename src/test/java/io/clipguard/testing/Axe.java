package io.clipguard.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;

/**
 * axe-core's accessibility check of the page a browser shows: {@code axe.min.js} comes from a
 * Maven test dependency (Deque's jar carries it), is injected into the page by the test and run
 * there; nothing is downloaded. Reports the violations of impact serious or critical, each with
 * its rule, help text and the elements it found.
 */
public final class Axe {
    private static final String SOURCE = load();

    private Axe() {
    }

    /** The serious and critical violations on the page now shown (empty when none). */
    @SuppressWarnings("unchecked")
    public static List<String> seriousViolations(WebDriver browser) {
        JavascriptExecutor js = (JavascriptExecutor) browser;
        js.executeScript(SOURCE);
        Object result = js.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "axe.run(document, {resultTypes: ['violations']}).then((r) => done(JSON.stringify(r.violations)))"
                + ".catch((e) => done('error: ' + e));");
        String json = String.valueOf(result);
        if (json.startsWith("error: ")) {
            throw new AssertionError("axe-core failed: " + json);
        }
        List<Map<String, Object>> violations;
        try {
            violations = new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, List.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> out = new ArrayList<>();
        for (Map<String, Object> v : violations) {
            String impact = String.valueOf(v.get("impact"));
            if (impact.equals("serious") || impact.equals("critical")) {
                List<String> targets = new ArrayList<>();
                for (Map<String, Object> node : (List<Map<String, Object>>) v.get("nodes")) {
                    targets.add(String.valueOf(node.get("target")) + " " + String.valueOf(node.get("failureSummary")).replace('\n', ' '));
                }
                out.add(impact + " " + v.get("id") + ": " + v.get("help") + " at " + targets);
            }
        }
        return out;
    }

    /** Whether axe-core ran: its version, as the page reports it after {@link #seriousViolations}. */
    public static String version(WebDriver browser) {
        return String.valueOf(((JavascriptExecutor) browser).executeScript("return axe.version;"));
    }

    private static String load() {
        try (InputStream in = Axe.class.getClassLoader().getResourceAsStream("axe.min.js")) {
            if (in == null) {
                throw new IllegalStateException("axe.min.js is not on the test classpath (com.deque.html.axe-core:selenium)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
