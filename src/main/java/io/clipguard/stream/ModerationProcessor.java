package io.clipguard.stream;

import io.clipguard.error.ErrorCode;
import io.clipguard.moderation.Moderator;
import io.clipguard.moderation.Outcome;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.SourcePosition;
import io.clipguard.schema.StoredDecision;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.logging.Logger;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.MissingSchemaException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns each upload record into exactly one decision (with its audit and embedding, and
 * the latest-decision store entry) or exactly one dead letter. Bad bytes are caught here,
 * where they are decoded, and become data; nothing thrown by bad input reaches the stream
 * thread. {@code process()} blocks until the record is decided, so nothing is in flight
 * past it and exactly-once is Kafka Streams' own.
 */
final class ModerationProcessor implements Processor<byte[], byte[], String, Object> {
    private static final Logger LOG = Logger.getLogger(ModerationProcessor.class.getName());

    private final Moderator moderator;
    private final Clock clock;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, StoredDecision> store;

    ModerationProcessor(Moderator moderator, Clock clock) {
        this.moderator = moderator;
        this.clock = clock;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.store = context.getStateStore(ModerationTopology.DECISION_STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        SourcePosition source = source();
        ImageUploaded event;
        try {
            if (record.value() == null || record.value().length == 0) {
                deadLetter(record, source, null, ErrorCode.VALUE_MISSING, "record has no value");
                return;
            }
            event = AvroSerde.IMAGE_UPLOADED.decode(record.value());
        } catch (MissingSchemaException e) {
            deadLetter(record, source, null, ErrorCode.SCHEMA_UNKNOWN, "writer schema fingerprint is not a known ImageUploaded version: " + e.getMessage());
            return;
        } catch (BadHeaderException e) {
            deadLetter(record, source, null, ErrorCode.AVRO_UNDECODABLE, "not Avro single-object encoding: " + e.getMessage());
            return;
        } catch (IOException | RuntimeException e) {
            deadLetter(record, source, null, ErrorCode.AVRO_UNDECODABLE, "Avro body unreadable: " + e);
            return;
        }
        Outcome outcome;
        try {
            outcome = moderator.moderate(event, source);
        } catch (RuntimeException e) {
            LOG.warning("unexpected failure on " + event.getContentId() + ": " + e);
            outcome = new Outcome.Rejected(ErrorCode.INTERNAL_ERROR, e.toString());
        }
        if (outcome instanceof Outcome.Decided d) {
            String key = event.getContentId();
            long ts = record.timestamp();
            context.forward(new Record<>(key, (Object) d.decision(), ts), ModerationTopology.DECISIONS_SINK);
            context.forward(new Record<>(key, (Object) d.audit(), ts), ModerationTopology.AUDIT_SINK);
            context.forward(new Record<>(key, (Object) d.embedding(), ts), ModerationTopology.EMBEDDINGS_SINK);
            if (d.shadow() != null) {
                context.forward(new Record<>(key, (Object) d.shadow(), ts), ModerationTopology.SHADOW_SINK);
            }
            store.put(key, new StoredDecision(d.decision(), d.audit()));
        } else {
            Outcome.Rejected r = (Outcome.Rejected) outcome;
            deadLetter(record, source, event, r.code(), r.message());
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, SourcePosition source, ImageUploaded event, ErrorCode code, String message) {
        String key = event != null && event.getContentId() != null && !event.getContentId().isBlank() ? event.getContentId()
                : record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        DeadLetter letter = DeadLetter.newBuilder()
                .setReasonCode(code.name()).setMessage(message)
                .setOriginalKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                .setOriginalValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
                .setSourceTopic(source.getTopic()).setSourcePartition(source.getPartition()).setSourceOffset(source.getOffset())
                .setEventId(event == null ? null : event.getEventId()).setContentId(event == null ? null : event.getContentId())
                .setInstanceId(moderator.instanceId()).setFailedAt(clock.instant()).build();
        context.forward(new Record<>(key, (Object) letter, record.timestamp()), ModerationTopology.DLQ_SINK);
    }

    private SourcePosition source() {
        RecordMetadata m = context.recordMetadata().orElse(null);
        return m == null ? new SourcePosition("", -1, -1L) : new SourcePosition(m.topic(), m.partition(), m.offset());
    }
}
