package io.clipguard.clip;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

/**
 * How to run a model.
 *
 * @param provider       {@code auto | cpu | cuda[:N] | tensorrt[:N]}
 * @param intraOpThreads ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose
 * @param optimization   graph optimisation level
 * @param batchSize      largest batch one session run receives
 * @param fp16           use the folder's {@code *_fp16.onnx} files
 * @param spinning       let ONNX Runtime's intra-op threads spin between runs: faster back-to-back
 *                       runs on CPU, but they burn cores while the batcher waits for images
 * @param variantName    an export variant's file-name suffix ({@code quantized}, {@code int8}, ...: {@code vision_model_int8.onnx});
 *                       null for the plain files ({@code fp16} also selects {@code _fp16})
 */
public record EngineOptions(String provider, int intraOpThreads, OptLevel optimization, int batchSize, boolean fp16, boolean spinning,
                            String variantName, boolean canary) {

    public EngineOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, found " + batchSize);
        }
        if (variantName != null && !variantName.matches("[a-z0-9]{1,20}")) {
            throw new IllegalArgumentException("a model variant is a lower-case file-name suffix such as quantized, int8 or fp16, found '"
                    + variantName + "'");
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intra-op threads must be >= 0, found " + intraOpThreads);
        }
    }

    public static EngineOptions defaults() {
        return new EngineOptions("auto", 0, OptLevel.ALL_OPT, 32, false, false, null, true);
    }

    public EngineOptions withProvider(String p) {
        return new EngineOptions(p, intraOpThreads, optimization, batchSize, fp16, spinning, variantName, canary);
    }

    public EngineOptions withBatchSize(int b) {
        return new EngineOptions(provider, intraOpThreads, optimization, b, fp16, spinning, variantName, canary);
    }

    /** The variant whose files are loaded: {@link #variantName}, else {@code fp16} when asked, else none (null). */
    public String variant() {
        return variantName != null ? variantName : fp16 ? "fp16" : null;
    }
}
