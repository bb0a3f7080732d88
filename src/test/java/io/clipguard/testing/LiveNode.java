package io.clipguard.testing;

import io.clipguard.app.ClipGuardNode;
import io.clipguard.app.LocalNode;
import io.clipguard.config.Settings;
import io.clipguard.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * A running instance inside a {@code @QuarkusTest}: an embedded broker and this process's
 * node, started through the injected {@link LocalNode} exactly as {@code serve} starts it,
 * so that the HTTP API sees it.
 */
public final class LiveNode implements AutoCloseable {
    public final EmbeddedKafka kafka;
    public final ClipGuardNode node;
    private final LocalNode local;

    public LiveNode(Path dir, String name, Map<String, String> more, LocalNode local) throws Exception {
        this.local = local;
        this.kafka = EmbeddedKafka.start();
        Map<String, String> s = TestNode.settings(kafka.bootstrapServers(), name, name, dir);
        s.put("clipguard.topics.partitions", "2");
        s.put("clipguard.stream.threads", "2");
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-port", Integer.class).orElse(8081);
        s.put("clipguard.http.advertised", "localhost:" + port);
        s.putAll(more);
        this.node = local.start(Settings.load(s), false);
    }

    /** Uploads one inline image under {@code key}. */
    public void upload(String key, byte[] image) {
        upload(Uploads.inline(key, image));
    }

    /** Sends {@code event}, keyed by its contentId. */
    public void upload(io.clipguard.schema.ImageUploaded event) {
        KafkaIO.produce(kafka.bootstrapServers(), node.topics().uploaded().name(),
                List.<byte[][]>of(KafkaIO.record(event.getContentId(), Uploads.bytes(event))));
    }

    @Override
    public void close() {
        local.stop();
        kafka.close();
    }
}
