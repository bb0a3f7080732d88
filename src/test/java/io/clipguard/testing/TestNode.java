package io.clipguard.testing;

import io.clipguard.app.ClipGuardNode;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.config.Settings;
import io.clipguard.kafka.TopicRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings for a test instance, started through the same {@link ClipGuardNode} as
 * {@code serve}: its own topics ({@code NAME.uploaded}, ...), application and instance id,
 * state directory, the demo model on the CPU and the demo policy.
 */
public final class TestNode {
    /** The topic roles, as the settings name them ({@code clipguard.topics.ROLE}). */
    public static final List<String> ROLES = List.of("uploaded", "decisions", "audit", "embeddings", "dead-letters", "policies",
            "policy-changes", "shadow", "verdicts", "review-leases", "dlq-replays");

    private TestNode() {
    }

    /** Overrides for an instance {@code instance} of application {@code app} on {@code bootstrap}, files under {@code dir}. */
    public static Map<String, String> settings(String bootstrap, String app, String instance, Path dir) {
        Map<String, String> s = new HashMap<>(topics(app));
        s.put("kafka.bootstrap.servers", bootstrap);
        s.put("clipguard.stream.application-id", app);
        s.put("clipguard.stream.instance-id", instance);
        s.put("clipguard.stream.state-dir", dir.resolve("state-" + app + "-" + instance).toString());
        s.put("clipguard.model.dir", demoModel(dir).toString());
        s.put("clipguard.model.provider", "cpu");
        s.put("clipguard.policies.file", "policies/demo-shapes.yaml");
        s.put("clipguard.policies.dir", emptyDir(dir.resolve("no-policy-files")).toString());
        return s;
    }

    /** Topic names {@code prefix.ROLE} for every role. */
    public static Map<String, String> topics(String prefix) {
        Map<String, String> s = new HashMap<>();
        ROLES.forEach(r -> s.put("clipguard.topics." + r, prefix + "." + r));
        return s;
    }

    /** The registry those names give. */
    public static TopicRegistry registry(Map<String, String> settings) {
        return TopicRegistry.from(Settings.load(settings).app().topics());
    }

    public static ClipGuardNode start(Map<String, String> settings) throws InterruptedException {
        return ClipGuardNode.start(Settings.load(settings), false);
    }

    /** The demo model under {@code dir}, written once. */
    public static Path demoModel(Path dir) {
        Path model = dir.resolve("demo-model");
        try {
            if (!Files.exists(model.resolve("vision_model.onnx"))) {
                new DemoModelGenerator().write(model, DemoModelGenerator.Layout.HUGGING_FACE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return model;
    }

    private static Path emptyDir(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
