package io.clipguard.cli;

import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.clip.Models;
import io.clipguard.tools.bench.EngineBenchmark;
import io.clipguard.tools.synth.SyntheticVitGenerator;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code clipguard bench engine|backtest|policy-latency|bank|try}: benchmarks that print tables. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print tables.",
        subcommands = {BenchCommand.Engine.class, BenchCommand.Backtest.class, BenchCommand.PolicyLatency.class, BenchCommand.Bank.class,
                BenchCommand.Try.class, BenchCommand.Sweep.class})
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
            new io.clipguard.tools.bench.BacktestBenchmark(spec.commandLine().getOut()).run(rows, dim, categories, scalarRows);
            return 0;
        }
    }

    @Command(name = "bank", mixinStandardHelpOptions = true,
            description = "PDQ hashing per image, PDQ lookup (8 turns) in a bank of random hashes by multi-index and by full scan (one thread), "
                    + "nearest exemplar embedding by a Java scan and by the matrix product per batch (one thread, and the service's).")
    static class Bank implements Callable<Integer> {
        @Option(names = "--hashes", defaultValue = "1000000", description = "PDQ hashes in the bank (default: ${DEFAULT-VALUE}).")
        int hashes;

        @Option(names = "--exemplars", defaultValue = "100000", description = "Exemplar embeddings (default: ${DEFAULT-VALUE}).")
        int exemplars;

        @Option(names = "--dim", defaultValue = "512", description = "Embedding dimension (default: ${DEFAULT-VALUE}).")
        int dim;

        @Option(names = "--queries", defaultValue = "2000", description = "Images looked up (default: ${DEFAULT-VALUE}).")
        int queries;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            new io.clipguard.tools.bench.BankBenchmark(spec.commandLine().getOut()).run(hashes, exemplars, dim, queries);
            return 0;
        }
    }

    @Command(name = "policy-latency", mixinStandardHelpOptions = true,
            description = "Publish -> first decision under the new version, p50/p99 over N publishes on a running instance under load "
                    + "(embedded broker, demo model).")
    static class PolicyLatency implements Callable<Integer> {
        @Mixin
        EngineArgs engineArgs;

        @Option(names = "--publishes", defaultValue = "20", description = "Publishes measured (default: ${DEFAULT-VALUE}).")
        int publishes;

        @Option(names = "--rate", defaultValue = "20", description = "Uploads per second offered as load (default: ${DEFAULT-VALUE}).")
        int rate;

        @Option(names = "--policy", defaultValue = "policies/demo-shapes.yaml", description = "Policy file (default: ${DEFAULT-VALUE}).")
        Path policy;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Map<String, String> overrides = new HashMap<>();
            engineArgs.addTo(overrides);
            new io.clipguard.tools.bench.PolicyLatencyBenchmark(spec.commandLine().getOut()).run(overrides, policy, publishes, rate);
            return 0;
        }
    }

    @Command(name = "sweep", mixinStandardHelpOptions = true,
            description = "What the studio's volumes per threshold add to a backtest: random embeddings and prompt vectors, with and without sweeps.")
    static class Sweep implements Callable<Integer> {
        @Option(names = "--rows", defaultValue = "20000", description = "Stored embeddings (default: ${DEFAULT-VALUE}).")
        int rows;

        @Option(names = "--categories", split = ",", defaultValue = "7,50", description = "Category counts, one row each (default: ${DEFAULT-VALUE}).")
        int[] categories;

        @Option(names = "--repeats", defaultValue = "3", description = "Timed rounds, the fastest reported (default: ${DEFAULT-VALUE}).")
        int repeats;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            new io.clipguard.tools.bench.SweepBenchmark(spec.commandLine().getOut()).run(rows, categories, repeats);
            return 0;
        }
    }

    @Command(name = "try", mixinStandardHelpOptions = true,
            description = "Trying a draft on an image (POST /policies/{id}/try without HTTP): first draft, one category edited, unchanged. "
                    + "Default model: a random-weight ViT-B/32 (real cost), generated on first use.")
    static class Try implements Callable<Integer> {
        @Mixin
        EngineArgs engineArgs;

        @Option(names = "--prompts", defaultValue = "50", description = "Categories of one prompt each in the draft (default: ${DEFAULT-VALUE}).")
        int prompts;

        @Option(names = "--edits", defaultValue = "10", description = "Edited drafts timed (default: ${DEFAULT-VALUE}).")
        int edits;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            var settings = engineArgs.settings();
            Path model = settings.dir().orElseGet(() -> SyntheticVitGenerator.vitB32(settings.cacheDir()));
            Map<String, String> overrides = new HashMap<>();
            engineArgs.addTo(overrides);
            new io.clipguard.tools.bench.TryBenchmark(spec.commandLine().getOut()).run(model, overrides, prompts, edits);
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
                defaultValue = ".cache/photos")
        Path photos;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--rounds", defaultValue = "3", description = "Interleaved rounds per figure (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Override
        public Integer call() throws Exception {
            EngineBenchmark.requirePhotos(photos);
            var settings = engineArgs.settings();
            Path model = settings.dir().orElseGet(() -> SyntheticVitGenerator.vitB32(settings.cacheDir()));
            EngineOptions options = Models.options(settings);
            try (ClipEngine engine = ClipEngine.open(model, options)) {
                EngineBenchmark bench = new EngineBenchmark(spec.commandLine().getOut(), rounds);
                bench.decode(photos, engine.preprocess());
                bench.embedding(engine);
            }
            return 0;
        }
    }
}
