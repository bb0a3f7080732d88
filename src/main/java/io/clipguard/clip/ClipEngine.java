package io.clipguard.clip;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.clipguard.clip.tokenizer.ClipTokenizer;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.image.PreprocessSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.logging.Logger;

/**
 * A loaded CLIP model: embeds preprocessed images and texts in batches, returning
 * L2-normalised vectors. One instance is shared by all threads (ONNX Runtime sessions are
 * thread-safe); {@link #close()} releases the native sessions.
 *
 * <p>Input and output names come from each graph's metadata, never from assumptions: the
 * pixel input is the one 4-D float input, the text inputs are the integer inputs (the one
 * named like "mask" is the attention mask), and embeddings come from {@code image_embeds}/
 * {@code text_embeds} when present, otherwise from the single 2-D output.
 */
public final class ClipEngine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClipEngine.class.getName());
    static final double DEFAULT_LOGIT_SCALE = 100.0;
    private static final int DEFAULT_CONTEXT = 77;

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final ModelDirectory model;
    private final EngineOptions options;
    private final ClipTokenizer tokenizer;
    private final String provider;
    private final List<OrtSession> sessions = new ArrayList<>();
    private final ImageTower imageTower;
    private final TextTower textTower;
    private final int contextLength;
    private final int dimension;
    private final double logitScale;
    private final String logitScaleSource;

    private record ImageTower(OrtSession session, String pixels, TensorInfo pixelInfo, String output) {
    }

    private record TextTower(OrtSession session, String ids, TensorInfo idsInfo, String mask, TensorInfo maskInfo, String output) {
    }

    private ClipEngine(ModelDirectory model, EngineOptions options) throws OrtException {
        this.model = model;
        this.options = options;
        this.tokenizer = ClipTokenizer.load(model.tokenizer());
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(options.optimization());
            if (options.intraOpThreads() > 0) {
                so.setIntraOpNumThreads(options.intraOpThreads());
            }
            // ONNX Runtime's intra-op threads spin between runs by default: under a batcher that
            // waits for images, that burns cores while idle (measured: docs/operators.md, Performance).
            so.addConfigEntry("session.intra_op.allow_spinning", options.spinning() ? "1" : "0");
            this.provider = ExecutionProviders.configure(so, options.provider());
            OrtSession visionSession = open(model.vision(), so);
            OrtSession textSession = model.text().equals(model.vision()) ? visionSession : open(model.text(), so);
            this.imageTower = resolveImageTower(visionSession);
            this.textTower = resolveTextTower(textSession);
        }
        this.contextLength = contextLength(textTower);
        float[][] probeText = embedTextsRaw(List.of("a photo"));
        float[][] probeImage = embedImagesRaw(List.of(new float[model.preprocess().tensorSize()]));
        if (probeText[0].length != probeImage[0].length) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, model.root() + ": image embeddings have dimension " + probeImage[0].length
                    + " but text embeddings have " + probeText[0].length + "; they must match");
        }
        this.dimension = probeText[0].length;
        this.logitScale = model.statedLogitScale().orElseGet(() -> derivedLogitScale(probeImage[0], probeText[0]));
        this.logitScaleSource = model.statedLogitScale().isPresent() ? "config.json logit_scale"
                : graphStatesScale() && logitScale != DEFAULT_LOGIT_SCALE ? "graph logits_per_image" : "default 100 (CLIP's trained value)";
        if (options.canary()) {
            ModelCanary.check(this, model.randomWeights());
        }
        LOG.info(() -> "loaded " + model.identity().id() + " (" + model.layout() + ", dim " + dimension
                + ", provider " + provider + ", digest " + model.identity().digest() + ")");
    }

    /** Loads the model folder and opens its sessions; {@link ClipGuardException} when it does not fit. */
    public static ClipEngine open(Path modelDir, EngineOptions options) {
        ModelDirectory dir = ModelDirectory.open(modelDir, options.variant());
        try {
            return new ClipEngine(dir, options);
        } catch (OrtException e) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, modelDir + ": ONNX Runtime could not load the model: " + e.getMessage());
        }
    }

    /** Embeds preprocessed images (NCHW float arrays from the image preprocessor), normalised. */
    public float[][] embedImages(List<float[]> pixelTensors) {
        float[][] raw = embedImagesRaw(pixelTensors);
        for (int i = 0; i < raw.length; i++) {
            raw[i] = ZeroShot.normalise(raw[i]);
        }
        return raw;
    }

    /** Embeds texts, normalised. */
    public float[][] embedTexts(List<String> texts) {
        float[][] raw = embedTextsRaw(texts);
        for (int i = 0; i < raw.length; i++) {
            raw[i] = ZeroShot.normalise(raw[i]);
        }
        return raw;
    }

    /** One vector per label: the label as written, or the ensemble over {@code templates} ("{}" = label). */
    public float[][] embedLabels(List<String> labels, List<String> templates) {
        if (templates.isEmpty()) {
            return embedTexts(labels);
        }
        List<String> prompts = new ArrayList<>();
        for (String label : labels) {
            for (String t : templates) {
                prompts.add(t.replace("{}", label));
            }
        }
        float[][] vectors = embedTexts(prompts);
        float[][] out = new float[labels.size()][];
        for (int l = 0; l < labels.size(); l++) {
            int from = l * templates.size();
            out[l] = ZeroShot.ensemble(List.of(vectors).subList(from, from + templates.size()));
        }
        return out;
    }

    /** The model folder as loaded: layout, files, preprocessing, identity. */
    public ModelDirectory directory() {
        return model;
    }

    public ModelIdentity identity() {
        return model.identity();
    }

    public PreprocessSpec preprocess() {
        return model.preprocess();
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    /** The provider actually running the sessions, e.g. {@code cpu} or {@code cuda:0}. */
    /** Whether {@code auto} fell back to the CPU because the CUDA provider this build has would not start (a host without a GPU). */
    public boolean providerFellBack() {
        return ExecutionProviders.FELL_BACK.get();
    }

    public String provider() {
        return provider;
    }

    public int dimension() {
        return dimension;
    }

    public int contextLength() {
        return contextLength;
    }

    public double logitScale() {
        return logitScale;
    }

    public EngineOptions options() {
        return options;
    }

    /** ONNX Runtime's version (audit records name it: another version may round differently). */
    public String runtimeVersion() {
        return env.getVersion();
    }

    /** The graph optimisation level the sessions run with, by name. */
    public String optimization() {
        return options.optimization().name();
    }

    /** The image tower's session and input name, for benchmarks that compare against a bare run. */
    public OrtSession imageSession() {
        return imageTower.session();
    }

    public String imageInputName() {
        return imageTower.pixels();
    }

    @Override
    public void close() {
        for (OrtSession s : sessions) {
            try {
                s.close();
            } catch (OrtException e) {
                LOG.warning("closing session: " + e.getMessage());
            }
        }
        sessions.clear();
    }

    private float[][] embedImagesRaw(List<float[]> pixelTensors) {
        PreprocessSpec spec = model.preprocess();
        int perImage = spec.tensorSize();
        float[][] out = new float[pixelTensors.size()][];
        int batchSize = fixedBatch(imageTower.pixelInfo()).orElse(options.batchSize());
        for (int from = 0; from < pixelTensors.size(); from += batchSize) {
            int n = Math.min(batchSize, pixelTensors.size() - from);
            float[] batch = new float[n * perImage];
            for (int i = 0; i < n; i++) {
                float[] img = pixelTensors.get(from + i);
                if (img.length != perImage) {
                    throw new IllegalArgumentException("image tensor has " + img.length + " floats, expected " + perImage
                            + " (3x" + spec.cropHeight() + "x" + spec.cropWidth() + ")");
                }
                System.arraycopy(img, 0, batch, i * perImage, perImage);
            }
            long[] shape = {n, 3, spec.cropHeight(), spec.cropWidth()};
            Map<String, OnnxTensor> inputs = new HashMap<>();
            try {
                inputs.put(imageTower.pixels(), TensorIO.floats(env, batch, shape, imageTower.pixelInfo()));
                if (imageTower.session() == textTower.session()) {
                    addTextInputs(inputs, List.of(""));
                }
                copyRows(run(imageTower.session(), inputs, imageTower.output()), out, from);
            } catch (OrtException e) {
                throw new ClipGuardException(ErrorCode.MODEL_ERROR, "image embedding failed: " + e.getMessage(), e);
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
        }
        return out;
    }

    private float[][] embedTextsRaw(List<String> texts) {
        float[][] out = new float[texts.size()][];
        int batchSize = fixedBatch(textTower.idsInfo()).orElse(options.batchSize());
        for (int from = 0; from < texts.size(); from += batchSize) {
            List<String> chunk = texts.subList(from, Math.min(texts.size(), from + batchSize));
            Map<String, OnnxTensor> inputs = new HashMap<>();
            try {
                addTextInputs(inputs, chunk);
                if (imageTower.session() == textTower.session()) {
                    PreprocessSpec spec = model.preprocess();
                    inputs.put(imageTower.pixels(), TensorIO.floats(env, new float[spec.tensorSize()],
                            new long[] {1, 3, spec.cropHeight(), spec.cropWidth()}, imageTower.pixelInfo()));
                }
                copyRows(run(textTower.session(), inputs, textTower.output()), out, from);
            } catch (OrtException e) {
                throw new ClipGuardException(ErrorCode.MODEL_ERROR, "text embedding failed: " + e.getMessage(), e);
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
        }
        return out;
    }

    private void addTextInputs(Map<String, OnnxTensor> inputs, List<String> texts) throws OrtException {
        int ctx = contextLength > 0 ? contextLength : contextLength(textTower);
        long[] ids = new long[texts.size() * ctx];
        long[] mask = new long[texts.size() * ctx];
        for (int i = 0; i < texts.size(); i++) {
            ClipTokenizer.Encoding e = tokenizer.encode(texts.get(i), ctx);
            System.arraycopy(e.inputIds(), 0, ids, i * ctx, ctx);
            System.arraycopy(e.attentionMask(), 0, mask, i * ctx, ctx);
        }
        long[] shape = {texts.size(), ctx};
        inputs.put(textTower.ids(), TensorIO.integers(env, ids, shape, textTower.idsInfo()));
        if (textTower.mask() != null) {
            inputs.put(textTower.mask(), TensorIO.integers(env, mask, shape, textTower.maskInfo()));
        }
    }

    private static float[][] run(OrtSession session, Map<String, OnnxTensor> inputs, String output) throws OrtException {
        try (OrtSession.Result result = session.run(inputs, Set.of(output))) {
            return TensorIO.rows(result, output);
        }
    }

    private static void copyRows(float[][] rows, float[][] out, int from) {
        System.arraycopy(rows, 0, out, from, rows.length);
    }

    private OrtSession open(Path file, OrtSession.SessionOptions so) throws OrtException {
        OrtSession s = env.createSession(file.toString(), so);
        sessions.add(s);
        return s;
    }

    private ImageTower resolveImageTower(OrtSession s) throws OrtException {
        String file = model.vision().toString();
        String pixels = null;
        TensorInfo pixelInfo = null;
        for (NodeInfo in : s.getInputInfo().values()) {
            TensorInfo t = TensorIO.tensorInfo(in, file);
            if (TensorIO.isFloat(t) && t.getShape().length == 4) {
                if (pixels != null) {
                    throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": expected one 4-D float pixel input, found several: " + TensorIO.describe(s.getInputInfo()));
                }
                pixels = in.getName();
                pixelInfo = t;
            }
        }
        if (pixels == null) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": expected a float pixel input [batch,3,H,W], found " + TensorIO.describe(s.getInputInfo()));
        }
        checkPixelShape(file, pixels, pixelInfo.getShape());
        return new ImageTower(s, pixels, pixelInfo, embeddingOutput(s, file, "image_embeds"));
    }

    private void checkPixelShape(String file, String name, long[] shape) {
        PreprocessSpec spec = model.preprocess();
        boolean fits = (shape[1] < 0 || shape[1] == 3) && (shape[2] < 0 || shape[2] == spec.cropHeight())
                && (shape[3] < 0 || shape[3] == spec.cropWidth());
        if (!fits) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": input '" + name + "' expects " + java.util.Arrays.toString(shape)
                    + " but preprocessor_config.json crops to 3x" + spec.cropHeight() + "x" + spec.cropWidth());
        }
    }

    private TextTower resolveTextTower(OrtSession s) throws OrtException {
        String file = model.text().toString();
        String ids = null;
        String mask = null;
        TensorInfo idsInfo = null;
        TensorInfo maskInfo = null;
        for (NodeInfo in : s.getInputInfo().values()) {
            TensorInfo t = TensorIO.tensorInfo(in, file);
            if (TensorIO.isInteger(t) && t.getShape().length == 2) {
                if (in.getName().toLowerCase(java.util.Locale.ROOT).contains("mask")) {
                    mask = in.getName();
                    maskInfo = t;
                } else if (ids == null) {
                    ids = in.getName();
                    idsInfo = t;
                } else {
                    throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": more than one token-id input: " + TensorIO.describe(s.getInputInfo()));
                }
            } else if (!(s == imageTower.session() && in.getName().equals(imageTower.pixels()))) {
                throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": unexpected input '" + in.getName() + "'; expected token ids [batch, context]"
                        + " and optionally an attention mask; found " + TensorIO.describe(s.getInputInfo()));
            }
        }
        if (ids == null) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": expected an integer token-id input [batch, context], found " + TensorIO.describe(s.getInputInfo()));
        }
        return new TextTower(s, ids, idsInfo, mask, maskInfo, embeddingOutput(s, file, "text_embeds"));
    }

    private static String embeddingOutput(OrtSession s, String file, String preferred) throws OrtException {
        Map<String, NodeInfo> outputs = s.getOutputInfo();
        if (outputs.containsKey(preferred)) {
            return preferred;
        }
        List<String> twoD = new ArrayList<>();
        for (NodeInfo out : outputs.values()) {
            // pooler_output is the transformer's pooled state before CLIP's projection: the wrong
            // space (and usually the wrong width) to compare with prompts. Never taken silently.
            if (out.getInfo() instanceof TensorInfo t && TensorIO.isFloat(t) && t.getShape().length == 2
                    && !NOT_EMBEDDINGS.contains(out.getName())) {
                twoD.add(out.getName());
            }
        }
        if (twoD.isEmpty() && outputs.keySet().stream().anyMatch(NOT_EMBEDDINGS::contains)) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": has " + outputs.keySet() + " but no '" + preferred
                    + "': 'pooler_output' and 'last_hidden_state' are states before CLIP's projection, not embeddings; "
                    + "export with the projection (optimum's CLIP export names its outputs image_embeds and text_embeds)");
        }
        if (twoD.size() != 1) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": expected an output named '" + preferred + "' or exactly one 2-D float output, found "
                    + TensorIO.describe(outputs));
        }
        return twoD.get(0);
    }

    /** Transformer outputs an export may carry beside (or instead of) the projected embedding. */
    private static final Set<String> NOT_EMBEDDINGS = Set.of("pooler_output", "last_hidden_state");

    private static int contextLength(TextTower t) {
        long declared = t.idsInfo().getShape()[1];
        return declared > 0 ? (int) declared : DEFAULT_CONTEXT;
    }

    /**
     * A combined export states its scale through {@code logits_per_image}; otherwise CLIP's
     * trained value, 100.
     */
    /** Whether a combined export's graph states its scale (through {@code logits_per_image}). */
    private boolean graphStatesScale() {
        return model.layout() == ModelLayout.COMBINED && imageTower.session().getOutputNames().contains("logits_per_image");
    }

    /**
     * An export with a fixed batch dimension (many are exported with batch 1) can only run that
     * many inputs at a time: such a model runs image by image, however large the batcher's batch.
     */
    private static OptionalInt fixedBatch(TensorInfo input) {
        long batch = input.getShape()[0];
        return batch > 0 ? OptionalInt.of((int) batch) : OptionalInt.empty();
    }

    /** Where the logit scale came from: {@code config.json}, the graph, or CLIP's default (audit records carry it). */
    public String logitScaleSource() {
        return logitScaleSource;
    }

    private double derivedLogitScale(float[] image, float[] text) {
        if (model.layout() != ModelLayout.COMBINED
                || !imageTower.session().getOutputNames().contains("logits_per_image")) {
            return DEFAULT_LOGIT_SCALE;
        }
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            PreprocessSpec spec = model.preprocess();
            inputs.put(imageTower.pixels(), TensorIO.floats(env, new float[spec.tensorSize()],
                    new long[] {1, 3, spec.cropHeight(), spec.cropWidth()}, imageTower.pixelInfo()));
            addTextInputs(inputs, List.of("a photo"));
            float logit = run(imageTower.session(), inputs, "logits_per_image")[0][0];
            double cos = ZeroShot.cosine(image, text);
            if (Math.abs(cos) < 1e-3) {
                LOG.warning("cannot derive the logit scale (probe cosine ~0); using " + DEFAULT_LOGIT_SCALE);
                return DEFAULT_LOGIT_SCALE;
            }
            return logit / cos;
        } catch (OrtException e) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, model.vision() + ": logits_per_image could not be computed: " + e.getMessage());
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }
}
