package io.clipguard.clip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.image.PreprocessSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalDouble;

/**
 * A CLIP model folder on disk: which layout it uses, where its files are, its preprocessing
 * parameters, its stated logit scale and its identity. Reads files only; sessions are the
 * engine's business.
 */
public record ModelDirectory(Path root, ModelLayout layout, Path vision, Path text, Path tokenizer,
                             PreprocessSpec preprocess, OptionalDouble statedLogitScale, ModelIdentity identity, boolean randomWeights) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The plain files, or Optimum's {@code *_fp16.onnx} variant. */
    public static ModelDirectory open(Path root, boolean fp16) {
        return open(root, fp16 ? "fp16" : null);
    }

    /**
     * Finds the layout and reads the configs. {@code variant} picks an export's variant files
     * ({@code quantized}: {@code vision_model_quantized.onnx}, as Optimum and Xenova name them);
     * null for the plain ones.
     */
    public static ModelDirectory open(Path root, String variant) {
        if (!Files.isDirectory(root)) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, root + ": model directory does not exist");
        }
        String suffix = variant == null ? ".onnx" : "_" + variant + ".onnx";
        Path vision;
        Path text;
        ModelLayout layout;
        Path onnxDir = root.resolve("onnx");
        if (exists(root, "vision_model" + suffix) || exists(onnxDir, "vision_model" + suffix)) {
            Path dir = exists(root, "vision_model" + suffix) ? root : onnxDir;
            layout = ModelLayout.SEPARATE_TOWERS;
            vision = dir.resolve("vision_model" + suffix);
            text = require(dir.resolve("text_model" + suffix), "the text tower beside " + vision.getFileName());
        } else if (exists(root, "model" + suffix) || exists(onnxDir, "model" + suffix)) {
            layout = ModelLayout.COMBINED;
            vision = exists(root, "model" + suffix) ? root.resolve("model" + suffix) : onnxDir.resolve("model" + suffix);
            text = vision;
        } else if (exists(root.resolve("visual"), "model" + suffix)) {
            // open_clip exports by directory: visual/model.onnx and textual/model.onnx.
            layout = ModelLayout.OPEN_CLIP;
            vision = root.resolve("visual").resolve("model" + suffix);
            text = require(root.resolve("textual").resolve("model" + suffix), "open_clip's text tower beside visual/");
        } else if (exists(root, "visual.onnx")) {
            layout = ModelLayout.OPEN_CLIP;
            vision = root.resolve("visual.onnx");
            text = require(root.resolve("textual.onnx"), "open_clip's text tower beside visual.onnx");
        } else {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, root + ": no model found: expected vision_model" + suffix + " + text_model" + suffix
                    + " (at the root or under onnx/), model" + suffix + ", visual/model" + suffix + " + textual/model" + suffix
                    + ", or visual.onnx + textual.onnx");
        }
        Path tokenizer = require(root.resolve("tokenizer.json"), "the Hugging Face tokenizer");
        JsonNode config = readJson(root.resolve("config.json"));
        PreprocessSpec spec = Files.exists(root.resolve("preprocessor_config.json")) || !Files.exists(root.resolve("open_clip_config.json"))
                ? preprocessSpec(root.resolve("preprocessor_config.json")) : openClipPreprocessSpec(root.resolve("open_clip_config.json"));
        return new ModelDirectory(root, layout, vision, text, tokenizer, spec, logitScale(config, root),
                new ModelIdentity(modelId(config, root), digest(root, vision, text, tokenizer)),
                config.path("clipguard_random_weights").asBoolean(false));
    }

    private static boolean exists(Path dir, String file) {
        return Files.isRegularFile(dir.resolve(file));
    }

    private static Path require(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": missing (" + what + ")");
        }
        if (!Files.isReadable(file)) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": not readable");
        }
        return file;
    }

    /** The JSON object in {@code file}, or an empty object when the file is absent. */
    static JsonNode readJson(Path file) {
        if (!Files.exists(file)) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": expected a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": not valid JSON: " + e.getMessage());
        }
    }

    /**
     * open_clip's {@code preprocess_cfg}: size, mean, std and interpolation. Only resize mode
     * {@code shortest} (resize the short side, centre crop: what CLIP was trained with) is
     * supported; {@code squash} and {@code longest} would score a different image, so they are
     * refused rather than approximated.
     */
    static PreprocessSpec openClipPreprocessSpec(Path file) {
        JsonNode cfg = readJson(file).path("preprocess_cfg");
        PreprocessSpec d = PreprocessSpec.clipDefaults();
        String mode = cfg.path("resize_mode").asText("shortest");
        if (!mode.equals("shortest")) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": preprocess_cfg.resize_mode '" + mode
                    + "' is not supported (only 'shortest': resize the short side, centre crop)");
        }
        JsonNode size = cfg.path("size");
        int edge = size.isInt() ? size.asInt() : size.isArray() ? size.get(0).asInt() : readJson(file).at("/model_cfg/vision_cfg/image_size").asInt(d.shortestEdge());
        int resample = switch (cfg.path("interpolation").asText("bicubic")) {
            case "bicubic" -> 3;
            case "bilinear" -> 2;
            case "lanczos" -> 1;
            default -> throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": preprocess_cfg.interpolation '"
                    + cfg.path("interpolation").asText() + "' is not supported (bicubic, bilinear or lanczos)");
        };
        try {
            return new PreprocessSpec(edge, edge, edge, floats(cfg.get("mean"), d.mean()), floats(cfg.get("std"), d.std()), d.rescaleFactor(),
                    resample);
        } catch (IllegalArgumentException e) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": " + e.getMessage());
        }
    }

    static PreprocessSpec preprocessSpec(Path file) {
        JsonNode c = readJson(file);
        PreprocessSpec d = PreprocessSpec.clipDefaults();
        JsonNode size = c.path("size");
        int shortest = size.isInt() ? size.asInt() : size.path("shortest_edge").asInt(d.shortestEdge());
        JsonNode crop = c.path("crop_size");
        int cropH = crop.isInt() ? crop.asInt() : crop.path("height").asInt(shortest);
        int cropW = crop.isInt() ? crop.asInt() : crop.path("width").asInt(cropH);
        try {
            return new PreprocessSpec(shortest, cropH, cropW, floats(c.get("image_mean"), d.mean()),
                    floats(c.get("image_std"), d.std()), c.path("rescale_factor").asDouble(d.rescaleFactor()),
                    c.path("resample").asInt(d.resample()));
        } catch (IllegalArgumentException e) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, file + ": " + e.getMessage());
        }
    }

    private static float[] floats(JsonNode node, float[] fallback) {
        if (node == null || !node.isArray()) {
            return fallback;
        }
        float[] out = new float[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) node.get(i).asDouble();
        }
        return out;
    }

    /**
     * The model's own logit scale when its config states one ({@code logit_scale}, the
     * multiplier, e.g. 100). {@code logit_scale_init_value} is the untrained start value and
     * is deliberately ignored.
     */
    private static OptionalDouble logitScale(JsonNode config, Path root) {
        JsonNode v = config.get("logit_scale");
        if (v == null) {
            return OptionalDouble.empty();
        }
        if (!v.isNumber() || v.asDouble() <= 0 || v.asDouble() > 1000) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, root.resolve("config.json") + ": logit_scale must be a number in (0, 1000], found " + v);
        }
        return OptionalDouble.of(v.asDouble());
    }

    private static String modelId(JsonNode config, Path root) {
        for (String key : List.of("_name_or_path", "name")) {
            String v = config.path(key).asText("");
            if (!v.isBlank()) {
                return v;
            }
        }
        Path name = root.toAbsolutePath().normalize().getFileName();
        return name == null ? "model" : name.toString();
    }

    /**
     * The files a score depends on, in a fixed order: the towers with their external weights
     * ({@code NAME_data} or {@code NAME.data} beside them), the tokenizer, and the configs that
     * set preprocessing and the logit scale, when present. Two folders with the same digest
     * score every image identically.
     */
    static List<Path> digestedFiles(Path root, Path vision, Path text, Path tokenizer) {
        List<Path> files = new ArrayList<>();
        for (Path tower : text.equals(vision) ? List.of(vision) : List.of(vision, text)) {
            files.add(tower);
            for (String suffix : List.of("_data", ".data")) {
                Path data = tower.resolveSibling(tower.getFileName() + suffix);
                if (Files.isRegularFile(data)) {
                    files.add(data);
                }
            }
        }
        files.add(tokenizer);
        for (String config : List.of("preprocessor_config.json", "config.json", "open_clip_config.json")) {
            if (Files.isRegularFile(root.resolve(config))) {
                files.add(root.resolve(config));
            }
        }
        return files;
    }

    /** The files this folder's digest covers. */
    public List<Path> digestedFiles() {
        return digestedFiles(root, vision, text, tokenizer);
    }

    /** sha256 over each digested file's name and bytes ({@link #digestedFiles}). */
    private static String digest(Path root, Path vision, Path text, Path tokenizer) {
        List<Path> files = digestedFiles(root, vision, text, tokenizer);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            for (Path f : files) {
                sha.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try (InputStream in = Files.newInputStream(f)) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        sha.update(buffer, 0, n);
                    }
                }
            }
            return "sha256:" + HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, "cannot read model files for the digest: " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
