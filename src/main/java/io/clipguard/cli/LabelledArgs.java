package io.clipguard.cli;

import io.clipguard.clip.ClipEngine;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.evaluation.LabelledImages;
import io.clipguard.evaluation.Sample;
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

    /**
     * What was scored, with which model and policy. {@code prevalence}: per category, its share of
     * the traffic estimated from the reviewed decisions (weighted back to the traffic), when the
     * labels are verdicts.
     */
    record Run(ClipEngine engine, Policy policy, ScoringPolicy scoring, SampleScorer.Scored scored, Map<String, Double> prevalence)
            implements AutoCloseable {
        @Override
        public void close() {
            engine.close();
        }

        /** Kish's effective number of images: their count when unweighted. */
        double effectiveSampleSize() {
            double sum = 0;
            double squares = 0;
            for (Sample s : scored.samples()) {
                sum += s.weight();
                squares += s.weight() * s.weight();
            }
            return squares == 0 ? 0 : sum * sum / squares;
        }
    }

    /** Scores the labels with the policy as written. */
    Run score(Path manifest) {
        return score(manifest, false);
    }

    /**
     * Scores the labels; with {@code independent} a schema-1 policy is scored as schema 2
     * (each category against its exclusions and the benign prompts), since only that rule has
     * margins to calibrate: calibrating is how a policy moves to schema 2.
     */
    Run score(Path manifest, boolean independent) {
        return score(manifest, independent, policy, engineArgs::open);
    }

    /** The same labels scored with another policy file and another model (for comparisons); null keeps this one's. */
    Run scoreWith(Path otherPolicy, Path otherModel) {
        return score(null, false, otherPolicy != null ? otherPolicy : policy, otherModel == null ? engineArgs::open : () -> {
            java.util.Map<String, String> overrides = new HashMap<>();
            engineArgs.addTo(overrides);
            overrides.put("clipguard.model.dir", otherModel.toString());
            return io.clipguard.clip.Models.open(io.clipguard.config.Settings.load(overrides).app().model());
        });
    }

    private Run score(Path manifest, boolean independent, Path policyFile, java.util.function.Supplier<ClipEngine> engines) {
        Policy p = PolicyFiles.read(policyFile);
        if (independent && !p.independent()) {
            p = new Policy(2, p.id(), p.version(), p.description(), p.model(), p.dimension(), p.templates(), p.categories(), p.benign(),
                    p.defaultAction(), p.reviewBand(), p.reviewSampleRate(), p.blockSampleRate(), null, p.banks());
        }
        if (fromVerdicts == (labels != null)) {
            throw new IllegalArgumentException("give --labels DIR or --from-verdicts (one of them)");
        }
        if (fromVerdicts) {
            return fromVerdicts(p, engines);
        }
        LabelledImages images = LabelledImages.read(labels, p.categories().stream().map(Policy.Category::id).collect(Collectors.toSet()), manifest);
        ClipEngine engine = engines.get();
        try {
            ScoringPolicy scoring = new ScoringPolicy(p, ClipScoring.prompts(engine));
            return new Run(engine, p, scoring, SampleScorer.score(images, engine, new ImagePipeline(DecodeLimits.defaults(), engine.preprocess(),
                    true), scoring), Map.of());
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /**
     * Verdicts as labels: a violation of category C is labelled C, no violation is benign, an
     * escalation is left out. Each stands for 1 / its inclusion probability decisions of the
     * traffic (Horvitz-Thompson; verdicts from before inclusion probabilities were recorded
     * count once), and is grouped by its tenant.
     */
    private Run fromVerdicts(Policy p, java.util.function.Supplier<ClipEngine> engines) {
        Settings settings = kafkaArgs.settings(new HashMap<>());
        KafkaClients clients = KafkaClients.from(settings);
        clients.requireBootstrapServers();
        ClipEngine engine = engines.get();
        try {
            ReviewedEmbeddings.Found found = ReviewedEmbeddings.read(clients, TopicRegistry.from(settings.app().topics()),
                    engine.identity().digest(), Duration.ofSeconds(60));
            Map<String, float[]> vectors = new LinkedHashMap<>();
            Map<String, String> labelOf = new HashMap<>();
            Map<String, Map<String, String>> tenantOf = new HashMap<>();
            Map<String, Double> weightOf = new HashMap<>();
            for (ReviewedEmbeddings.Reviewed r : found.reviewed()) {
                ReviewVerdict v = r.verdict();
                if (v.getVerdict() == VerdictKind.ESCALATE) {
                    continue;
                }
                vectors.put(v.getContentId(), r.vector());
                labelOf.put(v.getContentId(), v.getVerdict() == VerdictKind.VIOLATION ? v.getCategory() : LabelledImages.BENIGN);
                tenantOf.put(v.getContentId(), Map.of("tenant", v.getTenant()));
                Double inclusion = v.getInclusionProbability();
                weightOf.put(v.getContentId(), inclusion == null || inclusion <= 0 ? 1.0 : 1 / inclusion);
            }
            if (vectors.isEmpty()) {
                throw new ClipGuardException(ErrorCode.INVALID_ARGUMENT, found.verdicts() + " verdicts, " + found.withoutEmbedding()
                        + " without an embedding of " + engine.identity().digest() + ": nothing to measure");
            }
            ScoringPolicy scoring = new ScoringPolicy(p, ClipScoring.prompts(engine));
            SampleScorer.Scored scored = SampleScorer.scoreVectors(vectors, labelOf, tenantOf, weightOf, scoring);
            double total = scored.samples().stream().mapToDouble(Sample::weight).sum();
            Map<String, Double> prevalence = new LinkedHashMap<>();
            for (Policy.Category c : p.categories()) {
                double shown = scored.samples().stream().filter(s -> s.is(c.id())).mapToDouble(Sample::weight).sum();
                if (shown > 0 && shown < total) {
                    prevalence.put(c.id(), shown / total);
                }
            }
            return new Run(engine, p, scoring, scored, prevalence);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    Path out(String report) {
        return out != null ? out : Path.of("target", report);
    }
}
