package io.clipguard.moderation;

import io.clipguard.schema.ImageReference;
import io.clipguard.schema.ImageUploaded;
import java.util.Map;

/**
 * Caps on the string fields of an upload event (documented in {@code ImageUploaded.avsc} and
 * docs/integrators.md). Every output record copies some of them, and an output over the broker's
 * limit would stall its partition, so an event over a cap is refused as
 * {@code FIELD_TOO_LARGE} before any work is done.
 */
public final class EventLimits {
    public static final int ID = 256;
    public static final int TENANT = 128;
    public static final int MEDIA_TYPE = 255;
    public static final int URI = 4096;
    public static final int METADATA_ENTRIES = 64;
    public static final int METADATA_KEY = 128;
    public static final int METADATA_VALUE = 2048;

    private EventLimits() {
    }

    /** What is over its cap, in words, or null when nothing is. */
    public static String overCap(ImageUploaded e) {
        String over = over("eventId", e.getEventId(), ID);
        over = over != null ? over : over("contentId", e.getContentId(), ID);
        over = over != null ? over : over("tenant", e.getTenant(), TENANT);
        over = over != null ? over : over("uploaderId", e.getUploaderId(), ID);
        over = over != null ? over : over("mediaType", e.getMediaType(), MEDIA_TYPE);
        if (over == null && e.getImage() instanceof ImageReference r) {
            over = over("image.uri", r.getUri(), URI);
        }
        Map<String, String> metadata = e.getMetadata();
        if (over == null && metadata != null) {
            if (metadata.size() > METADATA_ENTRIES) {
                return "metadata has " + metadata.size() + " entries, at most " + METADATA_ENTRIES;
            }
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                over = over != null ? over : over("metadata key", m.getKey(), METADATA_KEY);
                over = over != null ? over : over("metadata value", m.getValue(), METADATA_VALUE);
            }
        }
        return over;
    }

    /** {@code value} shortened to {@code cap} characters with a marker, for records that name an over-long field. */
    public static String truncate(String value, int cap) {
        return value == null || value.length() <= cap ? value : value.substring(0, cap - 14) + "...(truncated)";
    }

    private static String over(String field, String value, int cap) {
        return value != null && value.length() > cap ? field + " has " + value.length() + " characters, at most " + cap : null;
    }
}
