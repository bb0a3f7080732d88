package io.clipguard.testing;

import io.clipguard.api.RunningService;
import io.clipguard.fetch.FetchSettings;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.TopicCreator;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.stream.ModerationService;
import io.clipguard.stream.PolicyControl;
import io.clipguard.stream.ServiceSettings;
import io.clipguard.stream.TopicRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A running instance inside a {@code @QuarkusTest}: embedded broker, demo runtime, policy
 * desk with the demo policy applied, the stream service, all registered with the HTTP API
 * exactly as {@code serve} does.
 */
public final class LiveService implements AutoCloseable {
    public final EmbeddedKafka kafka;
    public final TopicRegistry topics;
    public final ModerationRuntime runtime;
    public final PolicyControl control;
    public final ModerationService service;

    public LiveService(Path dir, String name, boolean twoPersonRule, RunningService running) throws Exception {
        kafka = EmbeddedKafka.start();
        topics = TopicRegistry.prefixed(name, 2);
        TopicCreator.ensure(kafka.bootstrapServers(), topics.all());
        runtime = Uploads.demoRuntime(dir, name, FetchSettings.inlineOnly());
        control = new PolicyControl(kafka.bootstrapServers(), topics, runtime.policies(), runtime.engine().identity().digest(), name,
                twoPersonRule);
        control.applyFiles(List.of(Path.of("policies/demo-shapes.yaml")));
        int port = org.eclipse.microprofile.config.ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-port", Integer.class)
                .orElse(8081);
        service = new ModerationService(new ServiceSettings(kafka.bootstrapServers(), name, name, dir.resolve("state"), 2,
                "localhost:" + port, topics), runtime).start();
        service.awaitRunning(Duration.ofSeconds(60));
        running.set(service, control);
    }

    /** Uploads one inline image under {@code key}. */
    public void upload(String key, byte[] image) {
        KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(),
                List.<byte[][]>of(KafkaIO.record(key, Uploads.bytes(Uploads.inline(key, image)))));
    }

    @Override
    public void close() {
        service.close();
        control.close();
        runtime.close();
        kafka.close();
    }
}
