package io.clipguard.cli;

import io.clipguard.bench.EngineBenchmark;
import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code clipguard bench engine}: prints the engine benchmark tables. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print tables.",
        subcommands = {BenchCommand.Engine.class, BenchCommand.Backtest.class})
class BenchCommand {

    @Command(name = "backtest", mixinStandardHelpOptions = true,
            description = "Re-score stored embeddings (random unit vectors) against a policy's prompt matrix; compare with a scalar loop.")
    static class Backtest implements Callable<Integer> {
        @Option(names = "--rows", defaultValue = "1000000", description = "Stored embeddings (default: ${DEFAULT-VALUE}).")
        int rows;

        @Option(names = "--dim", defaultValue = "512", description = "Embedding dimension (default: ${DEFAULT-VALUE}).")
        int dim;

        @Option(names = "--categories", defaultValue = "50", description = "Categories (default: ${DEFAULT-VALUE}).")
        int categories;

        @Option(names = "--scalar-rows", defaultValue = "20000", description = "Rows the scalar loop scores (default: ${DEFAULT-VALUE}).")
        int scalarRows;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            new io.clipguard.bench.BacktestBenchmark(spec.commandLine().getOut()).run(rows, dim, categories, scalarRows);
            return 0;
        }
    }

    @Command(name = "engine", mixinStandardHelpOptions = true,
            description = "Decode + preprocess (full vs reduced), image/text embedding throughput and engine overhead. "
                    + "Default model: a random-weight ViT-B/32 (real cost), generated on first use.")
    static class Engine implements Callable<Integer> {
        @Mixin
        EngineArgs engineArgs;

        @Option(names = "--photos", paramLabel = "DIR", description = "Photographs to build test JPEGs from (default: ${DEFAULT-VALUE}).",
                defaultValue = "${env:CLIPGUARD_PHOTOS:-.cache/photos}")
        Path photos;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--rounds", defaultValue = "3", description = "Interleaved rounds per figure (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Override
        public Integer call() throws Exception {
            Path model = engineArgs.model != null ? engineArgs.model : ModelCache.vitB32();
            EngineOptions options = engineArgs.options();
            try (ClipEngine engine = ClipEngine.open(model, options)) {
                EngineBenchmark bench = new EngineBenchmark(spec.commandLine().getOut(), rounds);
                bench.decode(photos, engine.preprocess());
                bench.embedding(engine);
            }
            return 0;
        }
    }
}
