package io.clipguard.tools.loadtest;

import io.clipguard.schema.InlineImage;
import io.clipguard.tools.demo.DemoUploads;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Uploads for load: a fixed pool of demo scenes (64 to 1024 pixels a side, JPEG and PNG),
 * drawn once, each sent under a new content id. Drawing and encoding a scene per upload would
 * cost the producer more CPU than the service spends on it, on a machine they share. With
 * {@code withBroken}, every twelfth upload is broken on purpose (garbage bytes, a truncated
 * image, an empty image), as in the demo, so dead letters share the load.
 */
public final class UploadPool implements Supplier<DemoUploads.Upload> {
    private final ShapeScenes.Scene[] scenes;
    private final String prefix;
    private final boolean withBroken;
    private long sequence;

    public UploadPool(long seed, String prefix, int size, boolean withBroken) {
        ShapeScenes source = new ShapeScenes(seed);
        this.scenes = new ShapeScenes.Scene[size];
        for (int i = 0; i < size; i++) {
            scenes[i] = source.next();
        }
        this.prefix = prefix;
        this.withBroken = withBroken;
    }

    @Override
    public synchronized DemoUploads.Upload get() {
        long n = sequence++;
        String id = String.format("%s-%07d", prefix, n);
        ShapeScenes.Scene scene = scenes[(int) (n % scenes.length)];
        if (withBroken && n % 12 == 11) {
            return switch ((int) (n / 12 % 3)) {
                case 0 -> new DemoUploads.Upload(id, "not avro".getBytes(StandardCharsets.US_ASCII), "garbage bytes");
                case 1 -> new DemoUploads.Upload(id, DemoUploads.encode(id, new InlineImage(ByteBuffer.wrap(
                        Arrays.copyOf(scene.bytes(), scene.bytes().length / 3)))), "truncated " + scene.format());
                default -> new DemoUploads.Upload(id, DemoUploads.encode(id, new InlineImage(ByteBuffer.allocate(0))), "empty image");
            };
        }
        return new DemoUploads.Upload(id, DemoUploads.encode(id, new InlineImage(ByteBuffer.wrap(scene.bytes()))),
                scene.colour() + " " + scene.shape());
    }

    /** Mean encoded image size in the pool, in bytes. */
    public double meanImageBytes() {
        return Arrays.stream(scenes).mapToInt(s -> s.bytes().length).average().orElse(0);
    }
}
