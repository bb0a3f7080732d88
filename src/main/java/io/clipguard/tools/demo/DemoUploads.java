package io.clipguard.tools.demo;

import io.clipguard.kafka.AvroSerde;
import io.clipguard.schema.ImageReference;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.InlineImage;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * The demo's synthetic upload stream: mostly valid scenes, and about one in twelve broken
 * on purpose (garbage bytes, a truncated JPEG, an empty image, a URI on a host that is not
 * allowed) to show dead letters. Values are Avro single-object bytes, as a producer sends.
 */
public final class DemoUploads {
    private final ShapeScenes scenes;
    private final Random random;
    private int sequence;

    /** One upload: its key (contentId), value bytes, and what it is, for people. */
    public record Upload(String contentId, byte[] value, String description) {
    }

    public DemoUploads(long seed) {
        this.scenes = new ShapeScenes(seed);
        this.random = new Random(seed + 1);
    }

    public Upload next() {
        String id = String.format("demo-%06d", sequence++);
        ShapeScenes.Scene scene = scenes.next();
        int kind = random.nextInt(48);
        return switch (kind) {
            case 0 -> new Upload(id, new byte[] {'n', 'o', 't', ' ', 'a', 'v', 'r', 'o'}, "garbage bytes");
            case 1 -> new Upload(id, encode(id, new InlineImage(ByteBuffer.wrap(Arrays.copyOf(scene.bytes(), scene.bytes().length / 3)))),
                    "truncated " + scene.format());
            case 2 -> new Upload(id, encode(id, new InlineImage(ByteBuffer.allocate(0))), "empty image");
            case 3 -> new Upload(id, encode(id, new ImageReference("https://images.not-allowed.example/" + id + ".jpg")),
                    "URI on a host not allowed");
            default -> new Upload(id, encode(id, new InlineImage(ByteBuffer.wrap(scene.bytes()))),
                    scene.colour() + " " + scene.shape() + " " + scene.width() + "x" + scene.height() + " " + scene.format());
        };
    }

    /** An upload event for {@code id} with {@code image} (an {@link InlineImage} or {@link ImageReference}), as Avro single-object bytes. */
    public static byte[] encode(String id, Object image) {
        return AvroSerde.IMAGE_UPLOADED.encode(ImageUploaded.newBuilder().setEventId("evt-" + id).setContentId(id)
                .setTenant("demo").setUploaderId("generator").setImage(image).setMediaType(null)
                .setMetadata(Map.of()).setUploadedAt(Instant.now()).build());
    }
}
