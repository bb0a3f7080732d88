package io.clipguard.kafka;

import org.apache.avro.SystemLimitException;

/**
 * Avro's own length limits, set before Avro first decodes anything: a 15-byte record that
 * declares a 2 GiB string must fail at once, not make Avro allocate 2 GiB (its default limit
 * is the largest array the JVM allows). Avro reads these system properties once, when it first
 * checks a length, so they are set by the serde's class initialiser and verified to be in force.
 */
final class AvroLimits {
    /** An inline image is at most 16 MiB, and a dead letter carries one. */
    static final int MAX_BYTES = 17 << 20;
    /** Policy documents and their diffs are the longest strings (256 KiB each). */
    static final int MAX_STRING = 2 << 20;
    /** Embedding vectors (a few thousand floats) are the longest arrays. */
    static final int MAX_ITEMS = 65_536;

    private AvroLimits() {
    }

    static void install() {
        setIfAbsent(SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, MAX_BYTES);
        setIfAbsent(SystemLimitException.MAX_STRING_LENGTH_PROPERTY, MAX_STRING);
        setIfAbsent(SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY, MAX_ITEMS);
        try {
            SystemLimitException.checkMaxStringLength(Integer.MAX_VALUE - 16L);
        } catch (SystemLimitException expected) {
            return;
        }
        throw new IllegalStateException("Avro's length limits are not in force: Avro decoded something before ClipGuard set them");
    }

    private static void setIfAbsent(String property, int value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, String.valueOf(value));
        }
    }
}
