package io.clipguard.cli;

import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.clip.synth.SyntheticVitGenerator;
import io.clipguard.clip.synth.VitArchitecture;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code clipguard model demo|synth-vit}: writes the models the project builds itself. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Write generated models.",
        subcommands = {ModelCommand.Demo.class, ModelCommand.SynthVit.class})
class ModelCommand {

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
