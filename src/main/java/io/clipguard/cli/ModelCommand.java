package io.clipguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.ModelDirectory;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.evaluation.LabelledImages;
import io.clipguard.tools.demo.ShapeScenes;
import io.clipguard.tools.synth.SyntheticVitGenerator;
import io.clipguard.tools.synth.VitArchitecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code clipguard model demo|synth-vit}: writes the models the project builds itself. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Generated models, and what a model folder loads as.",
        subcommands = {ModelCommand.Demo.class, ModelCommand.SynthVit.class, ModelCommand.Info.class, ModelCommand.DemoLabels.class})
class ModelCommand {

    @Command(name = "demo-labels", mixinStandardHelpOptions = true,
            description = "Write labelled demo scenes (red-triangle/, yellow-shape/, benign/ and groups.csv) to try evaluate, "
                    + "policy calibrate and audit-bias with the demo model and policy.")
    static class DemoLabels implements Callable<Integer> {
        @Option(names = "--out", required = true, paramLabel = "DIR")
        Path out;

        @Option(names = "--per-label", defaultValue = "40", description = "Scenes per label (default: ${DEFAULT-VALUE}).")
        int perLabel;

        @Option(names = "--mislabelled", defaultValue = "6", description = "Green and blue scenes filed under red-triangle/ in group b, "
                + "as labelling mistakes are (default: ${DEFAULT-VALUE}).")
        int mislabelled;

        @Option(names = "--seed", defaultValue = "2024", description = "Scene noise and placement; another seed gives a fresh, held-out "
                + "set (default: ${DEFAULT-VALUE}).")
        long seed;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            ShapeScenes scenes = new ShapeScenes(seed);
            List<String> groups = new ArrayList<>(List.of("image,group"));
            for (int i = 0; i < perLabel; i++) {
                String group = i < perLabel / 2 ? "a" : "b";
                groups.add(write("red-triangle", "red-" + i, scenes.draw("red", "triangle", 180 + 3 * i, 200, i % 2 == 0), group));
                groups.add(write("yellow-shape", "yellow-" + i, scenes.draw("yellow", ShapeScenes.SHAPES.get(i % 3), 220, 180 + 2 * i, true), group));
                groups.add(write(LabelledImages.BENIGN, "other-" + i, scenes.draw(i % 2 == 0 ? "green" : "blue", ShapeScenes.SHAPES.get(i % 3),
                        200 + 2 * i, 210, i % 3 == 0), group));
            }
            for (int i = 0; i < mislabelled; i++) {
                groups.add(write("red-triangle", "mislabelled-" + i, scenes.draw(i % 2 == 0 ? "green" : "blue", "circle", 210, 210, true), "b"));
            }
            Files.write(out.resolve("groups.csv"), groups);
            spec.commandLine().getOut().printf("wrote %d labelled scenes to %s (groups in %s)%n", groups.size() - 1, out, out.resolve("groups.csv"));
            return 0;
        }

        private String write(String label, String name, ShapeScenes.Scene scene, String group) throws IOException {
            Path folder = Files.createDirectories(out.resolve(label));
            String file = name + "." + scene.format();
            Files.write(folder.resolve(file), scene.bytes());
            return label + "/" + file + "," + group;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Load a model and print, as JSON, what decisions will name: id, digest and the files it covers, layout, "
                    + "dimension, logit scale and where it came from, preprocessing, execution provider.")
    static class Info implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        EngineArgs engineArgs;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (ClipEngine engine = engineArgs.open()) {
                ModelDirectory dir = engine.directory();
                Map<String, Object> info = new LinkedHashMap<>();
                info.put("id", engine.identity().id());
                info.put("digest", engine.identity().digest());
                info.put("digestCovers", dir.digestedFiles().stream().map(f -> dir.root().relativize(f).toString()).toList());
                info.put("layout", dir.layout().name());
                info.put("dimension", engine.dimension());
                info.put("logitScale", engine.logitScale());
                info.put("logitScaleSource", engine.logitScaleSource());
                info.put("preprocess", engine.preprocess());
                info.put("provider", engine.provider());
                spec.commandLine().getOut().println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(info));
            }
            return 0;
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Write the demo model (NOT CLIP: coloured shapes only) in a CLIP export layout.")
    static class Demo implements Callable<Integer> {
        @Option(names = "--out", required = true, paramLabel = "DIR")
        Path out;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--layout", defaultValue = "HUGGING_FACE",
                description = "HUGGING_FACE, HUGGING_FACE_ONNX_DIR, COMBINED or OPEN_CLIP (default: ${DEFAULT-VALUE}).")
        DemoModelGenerator.Layout layout;

        @Override
        public Integer call() throws Exception {
            new DemoModelGenerator().write(out, layout);
            spec.commandLine().getOut().println("wrote demo model (" + layout + ") to " + out);
            return 0;
        }
    }

    @Command(name = "synth-vit", mixinStandardHelpOptions = true,
            description = "Write a random-weight model with a CLIP ViT's exact architecture, for benchmarks.")
    static class SynthVit implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--arch", defaultValue = "ViT-B/32", description = "Architecture (default: ${DEFAULT-VALUE}).")
        String arch;

        @Option(names = "--out", required = true, paramLabel = "DIR")
        Path out;

        @Override
        public Integer call() throws Exception {
            SyntheticVitGenerator g = new SyntheticVitGenerator(VitArchitecture.named(arch));
            g.write(out);
            spec.commandLine().getOut().printf("wrote %s random-weight model to %s: vision %,d parameters, %.2f GMACs/image; text %,d parameters%n",
                    arch, out, g.visionParameters(), g.visionMacs() / 1e9, g.textParameters());
            return 0;
        }
    }
}
