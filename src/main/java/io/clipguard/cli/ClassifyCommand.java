package io.clipguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.ZeroShot;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImagePipeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clipguard classify}: zero-shot scores of each image against the given labels. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Zero-shot classify images; one JSON line each with cosine and softmax probability per label, in label order.")
class ClassifyCommand implements Callable<Integer> {
    @Mixin
    EngineArgs engineArgs;

    @Option(names = "--label", required = true, paramLabel = "TEXT", description = "A label; repeat for each.")
    List<String> labels;

    @Option(names = "--template", paramLabel = "TEXT",
            description = "Prompt template with {} for the label, e.g. \"a photo of a {}.\"; repeat to ensemble. Without it labels are embedded as written.")
    List<String> templates = new ArrayList<>();

    @Parameters(arity = "1..*", paramLabel = "FILE")
    List<Path> files;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        for (String t : templates) {
            if (!t.contains("{}")) {
                throw new IllegalArgumentException("template '" + t + "' has no {} placeholder for the label");
            }
        }
        ObjectMapper json = new ObjectMapper();
        try (ClipEngine engine = engineArgs.open()) {
            float[][] labelVectors = engine.embedLabels(labels, templates);
            ImageFiles images = new ImageFiles(files, new ImagePipeline(DecodeLimits.defaults(), engine.preprocess(), true), spec.commandLine().getErr());
            float[][] imageVectors = engine.embedImages(images.tensors());
            for (int i = 0; i < imageVectors.length; i++) {
                double[] cosines = new double[labels.size()];
                for (int l = 0; l < cosines.length; l++) {
                    cosines[l] = ZeroShot.cosine(imageVectors[i], labelVectors[l]);
                }
                double[] probabilities = ZeroShot.softmax(cosines, engine.logitScale());
                List<Map<String, Object>> scores = new ArrayList<>();
                for (int l = 0; l < cosines.length; l++) {
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("label", labels.get(l));
                    s.put("cosine", cosines[l]);
                    s.put("probability", probabilities[l]);
                    scores.add(s);
                }
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("image", images.items().get(i).path().toString());
                line.put("model", Map.of("id", engine.identity().id(), "digest", engine.identity().digest()));
                line.put("scores", scores);
                spec.commandLine().getOut().println(json.writeValueAsString(line));
            }
            return images.exitCode();
        }
    }
}
