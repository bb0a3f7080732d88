package io.clipguard.node;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.clip.synth.SyntheticVitGenerator;
import io.clipguard.clip.synth.VitArchitecture;
import io.clipguard.config.ClipGuardConfig;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The model a command runs: {@code clipguard.model.dir}, else the demo model generated into
 * {@code clipguard.model.cache-dir}; and how ONNX Runtime runs it. The benchmark model
 * (600 MB) is generated on first use and kept.
 */
public final class Models {
    private Models() {
    }

    /** The configured model folder, or the demo model. */
    public static Path dir(ClipGuardConfig.Model model) {
        return model.dir().orElseGet(() -> demoModel(model.cacheDir()));
    }

    public static EngineOptions options(ClipGuardConfig.Model model) {
        OptLevel level;
        try {
            level = OptLevel.valueOf(model.optimization().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ClipGuardException(ErrorCode.CONFIG_INVALID, "clipguard.model.optimization must be NO_OPT, BASIC_OPT, "
                    + "EXTENDED_OPT or ALL_OPT, found '" + model.optimization() + "'");
        }
        return new EngineOptions(model.provider(), model.threads(), level, model.batchSize(), model.fp16(), model.spinning(),
                model.variant().orElse(null));
    }

    public static ClipEngine open(ClipGuardConfig.Model model) {
        return ClipEngine.open(dir(model), options(model));
    }

    /** The demo model, rewritten on every use (a few KB, milliseconds) so a cache never outlives its generator. */
    public static Path demoModel(Path cacheDir) {
        Path dir = cacheDir.resolve("models/demo-shapes");
        try {
            new DemoModelGenerator().write(dir, DemoModelGenerator.Layout.HUGGING_FACE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir, e);
        }
        return dir;
    }

    /** The random-weight ViT-B/32 benchmark model, generated once. */
    public static Path vitB32(Path cacheDir) {
        Path dir = cacheDir.resolve("models/synthetic-vit-b-32");
        Path done = dir.resolve(".complete");
        if (!Files.exists(done)) {
            try {
                System.err.println("generating " + dir + " ...");
                new SyntheticVitGenerator(VitArchitecture.VIT_B_32).write(dir);
                Files.createFile(done);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + dir, e);
            }
        }
        return dir;
    }
}
