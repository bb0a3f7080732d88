package io.clipguard.cli;

import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.Models;
import io.clipguard.config.ClipGuardConfig;
import io.clipguard.config.Settings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options of every command that loads a model; each overrides a {@code clipguard.model.*}
 * setting (so {@code CLIPGUARD_MODEL_DIR} and friends work too).
 */
final class EngineArgs {
    @Option(names = "--model", paramLabel = "DIR", description = "Model directory (setting clipguard.model.dir; default: the demo model).")
    Path model;

    @Option(names = "--provider", description = "auto | cpu | cuda[:N] | tensorrt[:N] (clipguard.model.provider; default auto).")
    String provider;

    @Option(names = "--threads", description = "ONNX Runtime intra-op threads; 0 = its default (clipguard.model.threads).")
    Integer threads;

    @Option(names = "--batch-size", description = "Largest batch per model run (clipguard.model.batch-size; default 32).")
    Integer batchSize;

    @Option(names = "--optimization", description = "Graph optimisation: NO_OPT, BASIC_OPT, EXTENDED_OPT, ALL_OPT (clipguard.model.optimization).")
    String optimization;

    @Option(names = "--fp16", description = "Load the model's *_fp16.onnx files (clipguard.model.fp16).")
    Boolean fp16;

    @Option(names = "--variant", description = "Load an export variant's files, e.g. quantized (vision_model_quantized.onnx) (clipguard.model.variant).")
    String variant;

    void addTo(Map<String, String> overrides) {
        Options.put(overrides, "clipguard.model.variant", variant);
        Options.put(overrides, "clipguard.model.dir", model);
        Options.put(overrides, "clipguard.model.provider", provider);
        Options.put(overrides, "clipguard.model.threads", threads);
        Options.put(overrides, "clipguard.model.batch-size", batchSize);
        Options.put(overrides, "clipguard.model.optimization", optimization);
        Options.put(overrides, "clipguard.model.fp16", fp16);
    }

    /** The model settings with these options applied. */
    ClipGuardConfig.Model settings() {
        Map<String, String> overrides = new HashMap<>();
        addTo(overrides);
        return Settings.load(overrides).app().model();
    }

    Path modelDir() {
        return Models.dir(settings());
    }

    ClipEngine open() {
        return Models.open(settings());
    }
}
