package io.clipguard.cli;

import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.KafkaErrors;
import io.clipguard.schema.ImageReference;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.InlineImage;
import io.clipguard.stream.AvroSerde;
import io.clipguard.stream.TopicRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clipguard produce}: publishes ImageUploaded events for local files or URIs. */
@Command(name = "produce", mixinStandardHelpOptions = true, description = "Publish ImageUploaded events (inline files or URIs) to images.uploaded.")
class ProduceCommand implements Callable<Integer> {
    @Mixin
    KafkaArgs kafkaArgs;

    @Option(names = "--topic", description = "Topic (default: the setting clipguard.topics.uploaded).")
    String topic;

    @Option(names = "--image", paramLabel = "FILE", description = "An image file sent inline; repeat for several.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--uri", paramLabel = "URL", description = "An image reference to be fetched by the service; repeat for several.")
    List<String> uris = new ArrayList<>();

    @Option(names = "--tenant", defaultValue = "cli", description = "Tenant (default: ${DEFAULT-VALUE}).")
    String tenant;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (images.isEmpty() && uris.isEmpty()) {
            throw new IllegalArgumentException("give at least one --image or --uri");
        }
        List<ImageUploaded> events = new ArrayList<>();
        for (Path file : images) {
            events.add(event(file.getFileName().toString(), new InlineImage(ByteBuffer.wrap(ImageFiles.read(file)))));
        }
        for (String uri : uris) {
            events.add(event(uri.replaceAll(".*/", ""), new ImageReference(uri)));
        }
        Settings settings = kafkaArgs.settings(Map.of());
        KafkaClients clients = KafkaClients.from(settings);
        clients.requireBootstrapServers();
        String target = topic != null ? topic : settings.app().topics().uploaded();
        try (KafkaProducer<byte[], byte[]> producer = clients.newProducer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000, ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicRegistry.MAX_UPLOAD_BYTES))) {
            for (ImageUploaded e : events) {
                try {
                    producer.send(new ProducerRecord<>(target, e.getContentId().getBytes(StandardCharsets.UTF_8), AvroSerde.IMAGE_UPLOADED.encode(e))).get();
                } catch (java.util.concurrent.ExecutionException ex) {
                    if (KafkaErrors.isAuthFailure(ex)) {
                        throw KafkaErrors.translate(ex);
                    }
                    throw new ClipGuardException(ErrorCode.SEND_FAILED, e.getContentId() + ": " + ex.getCause().getMessage());
                }
                spec.commandLine().getOut().printf("{\"contentId\":\"%s\",\"eventId\":\"%s\",\"topic\":\"%s\"}%n", e.getContentId(), e.getEventId(), target);
            }
            producer.flush();
        }
        return 0;
    }

    private ImageUploaded event(String name, Object image) {
        String id = UUID.randomUUID().toString();
        return ImageUploaded.newBuilder().setEventId(id).setContentId(name + "-" + id.substring(0, 8)).setTenant(tenant)
                .setUploaderId(System.getProperty("user.name")).setImage(image).setMediaType(null).setMetadata(Map.of("source", "clipguard produce"))
                .setUploadedAt(Instant.now()).build();
    }
}
