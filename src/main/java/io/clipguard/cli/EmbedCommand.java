package io.clipguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.clip.ClipEngine;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImagePipeline;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clipguard embed}: one JSON line per image with its normalised embedding. */
@Command(name = "embed", mixinStandardHelpOptions = true, description = "Embed images; one JSON line each: path, dim, embedding.")
class EmbedCommand implements Callable<Integer> {
    @Mixin
    EngineArgs engineArgs;

    @Parameters(arity = "1..*", paramLabel = "FILE")
    List<Path> files;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (ClipEngine engine = engineArgs.open()) {
            ImageFiles images = new ImageFiles(files, new ImagePipeline(DecodeLimits.defaults(), engine.preprocess(), true), spec.commandLine().getErr());
            float[][] vectors = engine.embedImages(images.tensors());
            for (int i = 0; i < vectors.length; i++) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("path", images.items().get(i).path().toString());
                line.put("model", Map.of("id", engine.identity().id(), "digest", engine.identity().digest()));
                line.put("dim", vectors[i].length);
                line.put("embedding", vectors[i]);
                spec.commandLine().getOut().println(json.writeValueAsString(line));
            }
            return images.exitCode();
        }
    }
}
