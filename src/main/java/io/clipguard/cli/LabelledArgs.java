package io.clipguard.cli;

import io.clipguard.clip.ClipEngine;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.evaluation.LabelledImages;
import io.clipguard.evaluation.SampleScorer;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImagePipeline;
import io.clipguard.insight.kafka.ReviewedEmbeddings;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.moderation.ClipScoring;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.schema.ReviewVerdict;
import io.clipguard.schema.VerdictKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
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

    @Mixin
    KafkaArgs kafkaArgs;

    @Option(names = "--from-verdicts", description = "Use reviewers' verdicts (moderation.verdicts) with the stored embeddings of the "
            + "images they judged, instead of --labels; the group of each is its tenant.")
    boolean fromVerdicts;

    @Option(names = "--labels", paramLabel = "DIR", description = "One folder per category id with images showing it, "
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
        if (fromVerdicts == (labels != null)) {
            throw new IllegalArgumentException("give --labels DIR or --from-verdicts (one of them)");
        }
        if (fromVerdicts) {
            return fromVerdicts(p);
        }
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

    /** Verdicts as labels: a violation of category C is labelled C, no violation is benign, an escalation is left out. */
    private Run fromVerdicts(Policy p) {
        Settings settings = kafkaArgs.settings(new HashMap<>());
        KafkaClients clients = KafkaClients.from(settings);
        clients.requireBootstrapServers();
        ClipEngine engine = engineArgs.open();
        try {
            ReviewedEmbeddings.Found found = ReviewedEmbeddings.read(clients, TopicRegistry.from(settings.app().topics()),
                    engine.identity().digest(), Duration.ofSeconds(60));
            Map<String, float[]> vectors = new LinkedHashMap<>();
            Map<String, String> labelOf = new HashMap<>();
            Map<String, String> tenantOf = new HashMap<>();
            for (ReviewedEmbeddings.Reviewed r : found.reviewed()) {
                ReviewVerdict v = r.verdict();
                if (v.getVerdict() == VerdictKind.ESCALATE) {
                    continue;
                }
                vectors.put(v.getContentId(), r.vector());
                labelOf.put(v.getContentId(), v.getVerdict() == VerdictKind.VIOLATION ? v.getCategory() : LabelledImages.BENIGN);
                tenantOf.put(v.getContentId(), v.getTenant());
            }
            if (vectors.isEmpty()) {
                throw new ClipGuardException(ErrorCode.INVALID_ARGUMENT, found.verdicts() + " verdicts, " + found.withoutEmbedding()
                        + " without an embedding of " + engine.identity().digest() + ": nothing to measure");
            }
            return new Run(engine, p, SampleScorer.scoreVectors(vectors, labelOf, tenantOf, new ScoringPolicy(p, ClipScoring.prompts(engine))));
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    Path out(String report) {
        return out != null ? out : Path.of("target", report);
    }
}
