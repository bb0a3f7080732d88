package io.clipguard.cli;

import io.clipguard.clip.ModelDirectory;
import io.clipguard.error.ClipGuardException;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImagePipeline;
import io.clipguard.image.PreprocessSpec;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code clipguard preprocess}: the model's input tensor for one image, as NumPy {@code .npy}. */
@Command(name = "preprocess", mixinStandardHelpOptions = true,
        description = "Write the NCHW float32 input tensor of one image as .npy (shape 1x3xHxW), for parity checks with other tools.")
class PreprocessCommand implements Callable<Integer> {
    @Mixin
    EngineArgs engineArgs;

    @Option(names = "--image", required = true, paramLabel = "FILE")
    Path image;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy")
    Path out;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--decode", defaultValue = "full", description = "full | auto (auto: reduced-resolution decode for large JPEGs).")
    String decode;

    @Override
    public Integer call() throws Exception {
        if (!decode.equals("full") && !decode.equals("auto")) {
            throw new IllegalArgumentException("--decode must be full or auto, found '" + decode + "'");
        }
        PreprocessSpec preprocess = ModelDirectory.open(engineArgs.modelDir(), engineArgs.settings().fp16()).preprocess();
        ImagePipeline.Prepared prepared;
        try {
            prepared = new ImagePipeline(DecodeLimits.defaults(), preprocess, decode.equals("auto")).prepare(ImageFiles.read(image));
        } catch (ClipGuardException e) {
            throw new ClipGuardException(e.code(), image + ": " + e.getMessage(), e);
        }
        Npy.writeFloat32(out, prepared.tensor(), 1, 3, preprocess.cropHeight(), preprocess.cropWidth());
        spec.commandLine().getOut().printf("{\"image\":\"%s\",\"out\":\"%s\",\"shape\":[1,3,%d,%d],\"decodePath\":\"%s\",\"width\":%d,\"height\":%d}%n",
                image, out, preprocess.cropHeight(), preprocess.cropWidth(), prepared.decodePath(), prepared.width(), prepared.height());
        return 0;
    }
}
