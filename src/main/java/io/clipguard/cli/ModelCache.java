package io.clipguard.cli;

import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.clip.synth.SyntheticVitGenerator;
import io.clipguard.clip.synth.VitArchitecture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where generated models live when no {@code --model} is given: {@code $CLIPGUARD_CACHE}
 * (the launcher sets the repository's {@code .cache}), else {@code ~/.cache/clipguard}.
 * The benchmark model (600 MB) is generated on first use and kept.
 */
final class ModelCache {
    private ModelCache() {
    }

    static Path root() {
        String env = System.getenv("CLIPGUARD_CACHE");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "clipguard");
    }

    /** The demo model, rewritten on every use (a few KB, milliseconds) so a cache never outlives its generator. */
    static Path demoModel() {
        Path dir = root().resolve("models/demo-shapes");
        try {
            new DemoModelGenerator().write(dir, DemoModelGenerator.Layout.HUGGING_FACE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir, e);
        }
        return dir;
    }

    static Path vitB32() {
        Path dir = root().resolve("models/synthetic-vit-b-32");
        return ensure(dir, () -> new SyntheticVitGenerator(VitArchitecture.VIT_B_32).write(dir));
    }

    interface Writer {
        void write() throws IOException;
    }

    private static Path ensure(Path dir, Writer writer) {
        Path done = dir.resolve(".complete");
        if (!Files.exists(done)) {
            try {
                System.err.println("generating " + dir + " ...");
                writer.write();
                Files.createFile(done);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + dir, e);
            }
        }
        return dir;
    }
}
