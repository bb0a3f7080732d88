package io.clipguard.moderation.kafka;

import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.moderation.EventLimits;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.SourcePosition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Dead letters that always fit their topic: the original key and value are kept whole when
 * they fit, else the value is truncated to fit and its whole size and sha256 recorded, so a
 * dead letter is never itself refused by the broker. The Kafka key is the contentId, or a
 * hash of it when it is over its cap.
 */
final class DeadLetters {
    private DeadLetters() {
    }

    /** A dead letter, with its Kafka key; {@code event} fields may be null when the event could not be read. */
    record Letter(String key, DeadLetter value) {
    }

    static Letter build(ErrorCode code, String message, byte[] originalKey, byte[] originalValue, SourcePosition source, String eventId,
                        String contentId, String instance, Instant at) {
        DeadLetter letter = DeadLetter.newBuilder().setReasonCode(code.name())
                .setMessage(EventLimits.truncate(message == null ? code.meaning() : message, 4096))
                .setOriginalKey(originalKey == null ? null : ByteBuffer.wrap(originalKey))
                .setOriginalValue(originalValue == null ? null : ByteBuffer.wrap(originalValue))
                .setSourceTopic(source.getTopic() == null ? "unknown" : source.getTopic()).setSourcePartition(source.getPartition())
                .setSourceOffset(source.getOffset())
                .setEventId(EventLimits.truncate(eventId, EventLimits.ID)).setContentId(EventLimits.truncate(contentId, EventLimits.ID))
                .setInstanceId(instance == null ? "unknown" : instance).setFailedAt(at == null ? Instant.now() : at).setOriginalValueSize(null).setOriginalValueSha256(null).build();
        return new Letter(key(contentId, originalKey), letter);
    }

    /** The dead letter's bytes, its original value truncated (with size and sha256) when the whole would exceed {@code room}. */
    static byte[] encodeToFit(Letter letter, int room) {
        byte[] encoded = AvroSerde.DEAD_LETTER.encode(letter.value());
        int keyBytes = letter.key() == null ? 0 : letter.key().getBytes(StandardCharsets.UTF_8).length;
        if (encoded.length + keyBytes <= room) {
            return encoded;
        }
        DeadLetter v = letter.value();
        byte[] original = bytes(v.getOriginalValue());
        byte[] key = bytes(v.getOriginalKey());
        int other = encoded.length - (original == null ? 0 : original.length) - (key == null ? 0 : key.length) + 256;
        int keep = Math.max(0, room - keyBytes - other - (key == null ? 0 : Math.min(key.length, 1024)));
        DeadLetter fitted = DeadLetter.newBuilder(v)
                .setOriginalKey(key == null ? null : ByteBuffer.wrap(Arrays.copyOf(key, Math.min(key.length, 1024))))
                .setOriginalValue(original == null ? null : ByteBuffer.wrap(Arrays.copyOf(original, Math.min(original.length, keep))))
                .setOriginalValueSize(original == null ? null : (long) original.length)
                .setOriginalValueSha256(original == null ? null : sha256(original)).build();
        return AvroSerde.DEAD_LETTER.encode(fitted);
    }

    /** The contentId when it is a reasonable key, else the original key, else a hash. */
    static String key(String contentId, byte[] originalKey) {
        if (contentId != null && contentId.isBlank()) {
            contentId = null;
        }
        if (contentId != null && contentId.length() <= EventLimits.ID) {
            return contentId;
        }
        if (originalKey != null && originalKey.length <= EventLimits.ID && contentId == null) {
            return new String(originalKey, StandardCharsets.UTF_8);
        }
        byte[] basis = contentId != null ? contentId.getBytes(StandardCharsets.UTF_8) : originalKey;
        return basis == null ? null : "sha256:" + sha256(basis);
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
