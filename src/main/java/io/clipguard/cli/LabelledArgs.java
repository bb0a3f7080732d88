package io.clipguard.cli;

import io.clipguard.clip.ClipEngine;
import io.clipguard.evaluation.LabelledImages;
import io.clipguard.evaluation.SampleScorer;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImagePipeline;
import io.clipguard.moderation.ClipScoring;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.ScoringPolicy;
import java.nio.file.Path;
import java.util.stream.Collectors;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The inputs of {@code evaluate}, {@code policy calibrate} and {@code audit-bias}: a model, a
 * policy file, a folder of labelled images; and how they are scored (as the service scores
 * uploads).
 */
final class LabelledArgs {
    @Mixin
    EngineArgs engineArgs;

    @Option(names = "--policy", required = true, paramLabel = "FILE", description = "The policy to measure (YAML).")
    Path policy;

    @Option(names = "--labels", required = true, paramLabel = "DIR", description = "One folder per category id with images showing it, "
            + "and benign/ with images that should trigger nothing.")
    Path labels;

    @Option(names = "--out", paramLabel = "DIR", description = "Where report.json and report.html go (default: target/REPORT).")
    Path out;

    /** What was scored, with which model and policy. */
    record Run(ClipEngine engine, Policy policy, SampleScorer.Scored scored) implements AutoCloseable {
        @Override
        public void close() {
            engine.close();
        }
    }

    Run score(Path groups) {
        Policy p = PolicyFiles.read(policy);
        LabelledImages images = LabelledImages.read(labels, p.categories().stream().map(Policy.Category::id).collect(Collectors.toSet()), groups);
        ClipEngine engine = engineArgs.open();
        try {
            ScoringPolicy scoring = new ScoringPolicy(p, ClipScoring.prompts(engine));
            return new Run(engine, p, SampleScorer.score(images, engine, new ImagePipeline(DecodeLimits.defaults(), engine.preprocess(), true),
                    scoring));
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    Path out(String report) {
        return out != null ? out : Path.of("target", report);
    }
}
