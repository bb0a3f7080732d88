package io.clipguard.testing;

import io.clipguard.schema.ImageUploaded;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Thirteen kinds of input that cannot be decided, each with the dead-letter code it must get. */
public final class BadUploads {
    private BadUploads() {
    }

    /** kind -> {value bytes (null = tombstone), expected reason code}; the key is chosen by the caller. */
    public static Map<String, Object[]> kinds(String contentId, ShapeScenes scenes) {
        byte[] good = Uploads.bytes(Uploads.inline(contentId, Uploads.scene(scenes, "red", "circle")));
        byte[] unknownFingerprint = good.clone();
        unknownFingerprint[4] ^= 0x5A;
        byte[] jpeg = Uploads.scene(scenes, "blue", "square");
        ImageUploaded blankId = Uploads.inline("", Uploads.scene(scenes, "red", "circle"));
        Map<String, Object[]> kinds = new LinkedHashMap<>();
        kinds.put("garbage", new Object[] {new byte[] {42, 42, 42, 42}, "AVRO_UNDECODABLE"});
        kinds.put("empty-value", new Object[] {new byte[0], "VALUE_MISSING"});
        kinds.put("tombstone", new Object[] {null, "VALUE_MISSING"});
        kinds.put("unknown-fingerprint", new Object[] {unknownFingerprint, "SCHEMA_UNKNOWN"});
        kinds.put("truncated-avro", new Object[] {Arrays.copyOf(good, 24), "AVRO_UNDECODABLE"});
        kinds.put("empty-image", new Object[] {Uploads.bytes(Uploads.inline(contentId, new byte[0])), "IMAGE_EMPTY"});
        kinds.put("not-an-image", new Object[] {Uploads.bytes(Uploads.inline(contentId, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9})), "IMAGE_UNSUPPORTED_FORMAT"});
        kinds.put("truncated-jpeg", new Object[] {Uploads.bytes(Uploads.inline(contentId, Arrays.copyOf(jpeg, jpeg.length / 2))), "IMAGE_CORRUPT"});
        kinds.put("png-bomb", new Object[] {Uploads.bytes(Uploads.inline(contentId, PngBomb.declaring(30_000, 30_000))), "IMAGE_TOO_LARGE"});
        kinds.put("uri-host", new Object[] {Uploads.bytes(Uploads.byUri(contentId, "https://not-allowed.example/x.jpg")), "FETCH_HOST_NOT_ALLOWED"});
        kinds.put("uri-file", new Object[] {Uploads.bytes(Uploads.byUri(contentId, "file:///etc/passwd")), "FETCH_FILE_NOT_ALLOWED"});
        kinds.put("uri-scheme", new Object[] {Uploads.bytes(Uploads.byUri(contentId, "ftp://files.example/x.jpg")), "FETCH_SCHEME_NOT_ALLOWED"});
        blankId.setImage(new io.clipguard.schema.InlineImage(ByteBuffer.wrap(jpeg)));
        kinds.put("blank-content-id", new Object[] {Uploads.bytes(blankId), "FIELD_MISSING"});
        return kinds;
    }
}
