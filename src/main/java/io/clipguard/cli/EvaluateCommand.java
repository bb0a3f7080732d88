package io.clipguard.cli;

import io.clipguard.evaluation.Comparison;
import io.clipguard.evaluation.EvaluationReport;
import io.clipguard.policy.Policy;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code clipguard evaluate}: how a policy does on the deployment's own labelled images before
 * it is enforced: precision, recall, PR-AUC and calibration (reliability, ECE) per category at
 * its thresholds, and the confusion of labels against outcomes; with {@code --compare-policy} or
 * {@code --compare-model}, the same labels scored by a second policy or model and the two
 * compared (paired bootstrap of AP, McNemar's test on decisions).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Measure a policy with a model on labelled images: precision, recall, PR-AUC, calibration per category, confusion; "
                + "optionally compared with another policy or model; JSON + HTML report.")
class EvaluateCommand implements Callable<Integer> {
    @Mixin
    LabelledArgs args;

    @Option(names = "--compare-policy", paramLabel = "FILE", description = "Score the same labels with this policy too and compare.")
    Path comparePolicy;

    @Option(names = "--compare-model", paramLabel = "DIR", description = "Score the same labels with this model too and compare.")
    Path compareModel;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the comparison's bootstrap (default: ${DEFAULT-VALUE}).")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (LabelledArgs.Run run = args.score(null)) {
            EvaluationReport report = EvaluationReport.of(run.engine().identity(), run.policy(), run.scored());
            if (comparePolicy != null || compareModel != null) {
                try (LabelledArgs.Run other = args.scoreWith(comparePolicy, compareModel)) {
                    report = report.with(Comparison.of(name(run), run.scored().samples(), name(other), other.scored().samples(),
                            run.policy().categories().stream().map(Policy.Category::id).toList(), seed));
                }
            }
            report.print(spec.commandLine().getOut());
            report.write(args.out("evaluation"));
            spec.commandLine().getOut().println("reports: " + args.out("evaluation").resolve("report.json") + ", "
                    + args.out("evaluation").resolve("report.html"));
            return run.scored().skipped().isEmpty() ? 0 : 4;
        }
    }

    private static String name(LabelledArgs.Run run) {
        long calibrated = run.policy().categories().stream().filter(c -> c.calibration() != null).count();
        return run.policy().id() + " v" + run.policy().version() + (calibrated > 0 ? " (" + calibrated + " calibrated)" : "") + " with "
                + run.engine().identity().id() + " " + run.engine().identity().digest().substring(0, Math.min(19, run.engine().identity().digest().length()));
    }
}
