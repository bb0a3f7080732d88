package io.clipguard.kafka;

import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.BankEntry;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.EmbeddingRecord;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.PolicyChange;
import io.clipguard.schema.PolicyEntry;
import io.clipguard.schema.ReviewVerdict;
import io.clipguard.schema.ShadowDecision;
import io.clipguard.schema.StoredDecision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro single-object encoding (C3 01, CRC-64-AVRO fingerprint, binary body) as a Kafka
 * serde: any Avro client can produce and read without a registry. Decoding resolves the
 * writer's schema from {@link KnownSchemas}.
 */
public final class AvroSerde<T> implements Serde<T> {
    static {
        AvroLimits.install();
    }

    public static final AvroSerde<ImageUploaded> IMAGE_UPLOADED =
            new AvroSerde<>(ImageUploaded::toByteBuffer, ImageUploaded.createDecoder(KnownSchemas.store()));
    public static final AvroSerde<ModerationDecision> DECISION =
            new AvroSerde<>(ModerationDecision::toByteBuffer, ModerationDecision.createDecoder(KnownSchemas.store()));
    public static final AvroSerde<AuditRecord> AUDIT =
            new AvroSerde<>(AuditRecord::toByteBuffer, AuditRecord.createDecoder(KnownSchemas.store()));
    public static final AvroSerde<EmbeddingRecord> EMBEDDING =
            new AvroSerde<>(EmbeddingRecord::toByteBuffer, EmbeddingRecord.createDecoder(KnownSchemas.store()));
    public static final AvroSerde<DeadLetter> DEAD_LETTER =
            new AvroSerde<>(DeadLetter::toByteBuffer, DeadLetter.createDecoder(KnownSchemas.store()));
    public static final AvroSerde<StoredDecision> STORED_DECISION =
            new AvroSerde<>(StoredDecision::toByteBuffer, StoredDecision.createDecoder(KnownSchemas.store()));

    public static final AvroSerde<PolicyEntry> POLICY_ENTRY =
            new AvroSerde<>(PolicyEntry::toByteBuffer, PolicyEntry.createDecoder(KnownSchemas.store()));
    public static final AvroSerde<PolicyChange> POLICY_CHANGE =
            new AvroSerde<>(PolicyChange::toByteBuffer, PolicyChange.createDecoder(KnownSchemas.store()));
    public static final AvroSerde<ReviewVerdict> REVIEW_VERDICT =
            new AvroSerde<>(ReviewVerdict::toByteBuffer, ReviewVerdict.createDecoder(KnownSchemas.store()));
    public static final AvroSerde<ShadowDecision> SHADOW_DECISION =
            new AvroSerde<>(ShadowDecision::toByteBuffer, ShadowDecision.createDecoder(KnownSchemas.store()));
    public static final AvroSerde<BankEntry> BANK_ENTRY =
            new AvroSerde<>(BankEntry::toByteBuffer, BankEntry.createDecoder(KnownSchemas.store()));

    interface Encoder<T> {
        ByteBuffer encode(T value) throws IOException;
    }

    private final Encoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    private AvroSerde(Encoder<T> encoder, BinaryMessageDecoder<T> decoder) {
        this.encoder = encoder;
        this.decoder = decoder;
    }

    public byte[] encode(T value) {
        try {
            ByteBuffer b = encoder.encode(value);
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Decodes single-object bytes. Throws {@link org.apache.avro.message.BadHeaderException}
     * (not single-object), {@link org.apache.avro.message.MissingSchemaException} (unknown
     * fingerprint) or another {@link RuntimeException}/{@link IOException} for a bad body.
     */
    public T decode(byte[] bytes) throws IOException {
        return decoder.decode(bytes);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : encode(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return decode(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
