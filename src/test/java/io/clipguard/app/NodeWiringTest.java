package io.clipguard.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.clipguard.clip.EmbeddingBatcher;
import io.clipguard.config.Settings;
import io.clipguard.fetch.FetchSettings;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.moderation.kafka.ModerationService;
import io.clipguard.moderation.kafka.ServiceSettings;
import io.clipguard.moderation.kafka.StreamTelemetry;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the composition root wires, without a broker: settings become each part's options as
 * documented, and the parts it connects react to each other (a model that stops answering
 * pauses the stream, and its return resumes it).
 */
class NodeWiringTest {
    @TempDir
    Path dir;

    @Test
    void settingsBecomeEachPartsOptions() {
        Map<String, String> s = TestNode.settings("unused:9092", "wiring", "node-7", dir);
        s.put("clipguard.stream.threads", "3");
        s.put("clipguard.batching.in-flight-records", "17");
        s.put("clipguard.batching.max-batch", "9");
        s.put("clipguard.fetch.allowed-hosts", "Images.Example.COM, cdn.example.com");
        s.put("clipguard.http.advertised", "node-7.internal:8080");
        Settings settings = Settings.load(s);

        assertThat(settings.instanceId()).isEqualTo("node-7");
        ServiceSettings service = ServiceSettings.from(settings, settings.instanceId(), TopicRegistry.from(settings.app().topics()));
        assertThat(service.applicationId()).isEqualTo("wiring");
        assertThat(service.streamThreads()).isEqualTo(3);
        assertThat(service.window().maxRecords()).isEqualTo(17);
        assertThat(service.advertisedHttp()).isEqualTo("node-7.internal:8080");
        assertThat(service.topics().uploaded().name()).isEqualTo("wiring.uploaded");

        ModerationRuntime.Options options = ModerationRuntime.Options.from(settings.app(), "node-7", m -> m);
        assertThat(options.maxBatch()).isEqualTo(9);
        assertThat(options.policy().id()).isEqualTo("demo-shapes");
        assertThat(options.modelDir().toString()).isEqualTo(s.get("clipguard.model.dir"));
        assertThat(FetchSettings.from(settings.app().fetch()).allowedHosts()).containsExactlyInAnyOrder("images.example.com", "cdn.example.com");
    }

    @Test
    void withoutAPolicyFileTheBundledDemoPolicyIsEnforced() {
        Map<String, String> s = TestNode.settings("unused:9092", "wiring", "node-8", dir);
        s.remove("clipguard.policies.file");
        assertThat(PolicyFiles.enforced(Settings.load(s).app().policies()).id()).isEqualTo("demo-shapes");
    }

    @Test
    void aModelThatStopsAnsweringPausesTheStreamUntilItAnswersAgain() {
        Map<String, String> s = TestNode.settings("127.0.0.1:9", "wiring", "node-9", dir);
        Settings settings = Settings.load(s);
        AtomicBoolean broken = new AtomicBoolean();
        ModerationRuntime.Options options = ModerationRuntime.Options.from(settings.app(), "node-9", model -> tensors -> {
            if (broken.get()) {
                throw new IllegalStateException("device lost");
            }
            return model.embed(tensors);
        });
        try (ModerationRuntime runtime = ModerationRuntime.open(options, io.clipguard.telemetry.Telemetry.none());
             ModerationService service = new ModerationService(KafkaClients.of("127.0.0.1:9"),
                     ServiceSettings.from(settings, "node-9", TopicRegistry.from(settings.app().topics())), runtime, StreamTelemetry.none())) {
            assertThat(service.paused()).isFalse();
            broken.set(true);
            runtime.batcher().submit(new float[runtime.engine().preprocess().tensorSize()]).exceptionally(e -> null);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(service::paused);
            broken.set(false);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !service.paused());
        }
    }
}
