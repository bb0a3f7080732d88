package io.clipguard.app;

import io.clipguard.policy.catalog.PolicySwitch;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Whether an instance is ready and alive, part by part, each with what is missing. Kept out of
 * the HTTP layer so that the same answer serves the health endpoints and the dashboard.
 */
public final class NodeHealth {
    /** The broker must have answered within this long (three lag measurements at the default interval). */
    static final Duration BROKER_SILENCE = Duration.ofSeconds(30);

    /** Ready when every part is "ok"; otherwise the parts say why not. */
    public record Report(boolean ready, Map<String, String> parts) {
    }

    private NodeHealth() {
    }

    public static Report of(ClipGuardNode node) {
        Map<String, String> parts = new LinkedHashMap<>();
        boolean ready = true;
        Instant answered = node.brokerAnsweredAt();
        boolean broker = answered != null && answered.isAfter(Instant.now().minus(BROKER_SILENCE));
        parts.put("broker", broker ? "ok" : answered == null ? "not answered yet" : "no answer since " + answered);
        ready &= broker;
        boolean running = node.service().running();
        parts.put("streams", running ? "ok" : node.service().state());
        ready &= running;
        // A node only starts once the model embedded a probe image; after that, the batcher's probes say.
        boolean model = node.runtime().batcher().health().available();
        parts.put("model", model ? "ok" : "not answering: " + node.runtime().batcher().health().lastFailure());
        ready &= model;
        PolicySwitch.Status policy = node.runtime().policies().status();
        parts.put("policy", policy.policyId() + " v" + policy.activeVersion() + (policy.lastError() == null ? "" : "; refused a change: "
                + policy.lastError()));
        parts.put("processing", node.service().paused() ? "paused until the model answers" : "ok");
        ready &= !node.service().paused();
        return new Report(ready, parts);
    }
}
