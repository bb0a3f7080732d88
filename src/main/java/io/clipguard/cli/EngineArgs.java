package io.clipguard.cli;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by every command that loads a model. */
final class EngineArgs {
    @Option(names = "--model", paramLabel = "DIR", description = "Model directory (default: the demo model, generated on first use).")
    Path model;

    @Option(names = "--provider", defaultValue = "auto", description = "auto | cpu | cuda[:N] | tensorrt[:N] (default: ${DEFAULT-VALUE}).")
    String provider;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads; 0 = its default.")
    int threads;

    @Option(names = "--batch-size", defaultValue = "32", description = "Largest batch per model run (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--optimization", defaultValue = "ALL_OPT", description = "Graph optimisation: NO_OPT, BASIC_OPT, EXTENDED_OPT, ALL_OPT.")
    OptLevel optimization;

    @Option(names = "--fp16", description = "Load the model's *_fp16.onnx files.")
    boolean fp16;

    /** {@code --model}, else {@code CLIPGUARD_MODEL_DIR}, else the demo model. */
    Path modelDir() {
        if (model != null) {
            return model;
        }
        String env = System.getenv("CLIPGUARD_MODEL_DIR");
        return env != null && !env.isBlank() ? Path.of(env) : ModelCache.demoModel();
    }

    EngineOptions options() {
        return new EngineOptions(provider, threads, optimization, batchSize, fp16);
    }

    ClipEngine open() {
        return ClipEngine.open(modelDir(), options());
    }
}
