package io.clipguard.insight.kafka;

import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.moderation.kafka.SourceReader;
import io.clipguard.schema.ImageUploaded;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Thumbnails of uploads for the dashboard and the review page: the upload record is read again
 * from Kafka (or its URI fetched again) and rendered on request, never stored, under the same
 * decode limits and fetch allow-list as moderation.
 */
public final class UploadThumbnails {
    private final SourceReader sources;
    private final String uploadsTopic;
    private final ModerationRuntime runtime;

    public UploadThumbnails(KafkaClients clients, String uploadsTopic, ModerationRuntime runtime) {
        this.sources = SourceReader.kafka(clients);
        this.uploadsTopic = uploadsTopic;
        this.runtime = runtime;
    }

    /**
     * A JPEG of the upload at {@code partition}/{@code offset} of the uploads topic at most
     * {@code maxSide} pixels on a side; empty when the record is gone or is not {@code contentId}'s.
     */
    public Optional<byte[]> render(String contentId, int partition, long offset, int maxSide) {
        return image(contentId, partition, offset).map(bytes -> runtime.thumbnails().render(bytes, maxSide));
    }

    /**
     * The image of the upload at {@code partition}/{@code offset}: inline, or fetched from its URI
     * under moderation's allow-list and limits; empty when the record is gone or is not {@code contentId}'s.
     */
    public Optional<byte[]> image(String contentId, int partition, long offset) {
        ConsumerRecord<byte[], byte[]> r = sources.one(uploadsTopic, partition, offset).orElse(null);
        if (r == null || r.key() == null || !contentId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
            return Optional.empty();
        }
        ImageUploaded event;
        try {
            event = AvroSerde.IMAGE_UPLOADED.decode(r.value());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.of(runtime.imageBytes(event));
    }
}
