package io.clipguard.testing;

import io.clipguard.kafka.AvroSerde;
import io.clipguard.schema.ImageReference;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.InlineImage;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;

/** Test helpers: upload events. */
public final class Uploads {
    private Uploads() {
    }

    public static ImageUploaded inline(String contentId, byte[] image) {
        return event(contentId, new InlineImage(ByteBuffer.wrap(image)));
    }

    public static ImageUploaded byUri(String contentId, String uri) {
        return event(contentId, new ImageReference(uri));
    }

    public static ImageUploaded event(String contentId, Object image) {
        return ImageUploaded.newBuilder().setEventId("evt-" + contentId).setContentId(contentId).setTenant("acme")
                .setUploaderId("u1").setImage(image).setMediaType(null).setMetadata(Map.of("source", "test"))
                .setUploadedAt(Instant.now()).build();
    }

    public static byte[] bytes(ImageUploaded event) {
        return AvroSerde.IMAGE_UPLOADED.encode(event);
    }

    public static byte[] scene(ShapeScenes scenes, String colour, String shape) {
        return scenes.draw(colour, shape, 320, 240, true).bytes();
    }
}
