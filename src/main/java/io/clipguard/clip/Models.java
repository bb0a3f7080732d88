package io.clipguard.clip;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.config.ClipGuardConfig;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The model a command runs: {@code clipguard.model.dir}, else the demo model generated into
 * {@code clipguard.model.cache-dir}; and how ONNX Runtime runs it (the settings translated into
 * {@link EngineOptions}).
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
                model.variant().orElse(null), model.canary());
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

}
