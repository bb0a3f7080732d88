package io.clipguard.tools.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.clipguard.clip.ClipEngine;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImagePipeline;
import io.clipguard.image.PreprocessSpec;
import java.io.PrintWriter;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The engine benchmark behind {@code clipguard bench engine}: decode + preprocess time for
 * full and reduced decoding, image and text embedding throughput, and the engine's overhead
 * over a bare {@code OrtSession.run} on identical tensors. Every ratio compares figures
 * taken in the same run, interleaved, because shared machines are noisy.
 */
public final class EngineBenchmark {
    private final PrintWriter out;
    private final int rounds;

    public EngineBenchmark(PrintWriter out, int rounds) {
        this.out = out;
        this.rounds = rounds;
    }

    /** Checks, before any model is built, that the photographs the decode figures need are there. */
    public static void requirePhotos(Path photoDir) throws java.io.IOException {
        BenchPhotos.require(photoDir);
    }

    public void decode(Path photoDir, PreprocessSpec spec) throws Exception {
        ImagePipeline full = new ImagePipeline(DecodeLimits.defaults(), spec, false);
        ImagePipeline reduced = new ImagePipeline(DecodeLimits.defaults(), spec, true);
        out.println("| JPEG (q90, photo) | full decode + preprocess ms | reduced decode + preprocess ms | decode path | full / reduced |");
        out.println("|---|---:|---:|---|---:|");
        for (int[] size : new int[][] {{640, 480}, {1920, 1080}, {4032, 3024}}) {
            byte[] jpeg = BenchPhotos.jpeg(photoDir, size[0], size[1]);
            String path = reduced.prepare(jpeg).decodePath();
            double fullMs = 0;
            double reducedMs = 0;
            for (int r = 0; r < rounds; r++) {
                fullMs += Stopwatch.meanSeconds(2, 5, () -> full.prepare(jpeg)) * 1000;
                reducedMs += Stopwatch.meanSeconds(2, 5, () -> reduced.prepare(jpeg)) * 1000;
            }
            out.printf("| %dx%d | %.1f | %.1f | %s | %.2fx |%n", size[0], size[1], fullMs / rounds, reducedMs / rounds, path, fullMs / reducedMs);
        }
    }

    public void embedding(ClipEngine engine) throws Exception {
        PreprocessSpec spec = engine.preprocess();
        Random random = new Random(1);
        out.printf("%nModel %s (%s), provider %s, %d available processors%n", engine.identity().id(),
                engine.identity().digest().substring(0, 19), engine.provider(), Runtime.getRuntime().availableProcessors());
        out.println("| measurement | batch | throughput |");
        out.println("|---|---:|---:|");
        for (int batch : new int[] {1, 8, 32}) {
            List<float[]> tensors = tensors(batch, spec, random);
            int runs = Math.max(2, 32 / batch);
            double seconds = 0;
            for (int r = 0; r < rounds; r++) {
                seconds += Stopwatch.meanSeconds(1, runs, () -> engine.embedImages(tensors));
            }
            out.printf("| image embedding (engine) | %d | %.1f img/s |%n", batch, batch * rounds / seconds);
        }
        List<String> prompts = new ArrayList<>(Collections.nCopies(32, "a photo of a red triangle on a white background"));
        double textSeconds = 0;
        for (int r = 0; r < rounds; r++) {
            textSeconds += Stopwatch.meanSeconds(1, 3, () -> engine.embedTexts(prompts));
        }
        out.printf("| text embedding (engine) | 32 | %.1f texts/s |%n", 32 * rounds / textSeconds);
        overhead(engine, spec, random);
    }

    /** Engine throughput over bare session throughput at batch 8, interleaved round by round. */
    private void overhead(ClipEngine engine, PreprocessSpec spec, Random random) throws Exception {
        int batch = 8;
        List<float[]> tensors = tensors(batch, spec, random);
        float[] flat = new float[batch * spec.tensorSize()];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(tensors.get(i), 0, flat, i * spec.tensorSize(), spec.tensorSize());
        }
        OrtSession session = engine.imageSession();
        double bare = 0;
        double wrapped = 0;
        try (OnnxTensor input = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.wrap(flat),
                new long[] {batch, 3, spec.cropHeight(), spec.cropWidth()})) {
            Map<String, OnnxTensor> inputs = Map.of(engine.imageInputName(), input);
            for (int r = 0; r < rounds; r++) {
                bare += Stopwatch.meanSeconds(1, 4, () -> {
                    try (OrtSession.Result ignored = session.run(inputs)) {
                        // the result is only timed
                    }
                });
                wrapped += Stopwatch.meanSeconds(1, 4, () -> engine.embedImages(tensors));
            }
        }
        out.printf("| bare OrtSession.run, pre-made tensor | %d | %.1f img/s |%n", batch, batch * rounds / bare);
        out.printf("| engine embedImages, same tensors | %d | %.1f img/s |%n", batch, batch * rounds / wrapped);
        out.printf("| engine / bare throughput | %d | %.3f |%n", batch, bare / wrapped);
    }

    private static List<float[]> tensors(int batch, PreprocessSpec spec, Random random) {
        List<float[]> list = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            float[] t = new float[spec.tensorSize()];
            for (int j = 0; j < t.length; j++) {
                t[j] = (float) random.nextGaussian();
            }
            list.add(t);
        }
        return list;
    }
}
