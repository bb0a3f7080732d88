package io.clipguard.cli;

import io.clipguard.config.Settings;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.moderation.kafka.UploadSender;
import io.clipguard.schema.ImageReference;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.InlineImage;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
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
        try (UploadSender sender = new UploadSender(clients, target)) {
            for (ImageUploaded e : events) {
                sender.send(e);
                spec.commandLine().getOut().printf("{\"contentId\":\"%s\",\"eventId\":\"%s\",\"topic\":\"%s\"}%n", e.getContentId(), e.getEventId(), target);
            }
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
