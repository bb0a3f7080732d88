package io.clipguard.testing;

import io.clipguard.clip.EngineOptions;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.demo.ShapeScenes;
import io.clipguard.fetch.FetchSettings;
import io.clipguard.image.DecodeLimits;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.schema.ImageReference;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.InlineImage;
import io.clipguard.stream.AvroSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** Test helpers: the demo runtime and upload events. */
public final class Uploads {
    private Uploads() {
    }

    /** The demo model and demo policy, as production loads them. */
    public static ModerationRuntime demoRuntime(Path dir, String instanceId, FetchSettings fetch) throws IOException {
        Path model = dir.resolve("demo-model");
        if (!model.resolve("vision_model.onnx").toFile().exists()) {
            new DemoModelGenerator().write(model, DemoModelGenerator.Layout.HUGGING_FACE);
        }
        return ModerationRuntime.open(new ModerationRuntime.Settings(model, EngineOptions.defaults().withProvider("cpu"),
                PolicyFiles.read(Path.of("policies/demo-shapes.yaml")), 8, Duration.ofMillis(5), DecodeLimits.defaults(),
                fetch, instanceId));
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
