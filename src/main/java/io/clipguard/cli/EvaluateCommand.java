package io.clipguard.cli;

import io.clipguard.evaluation.EvaluationReport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code clipguard evaluate}: how a policy does on the deployment's own labelled images before
 * it is enforced: precision, recall and PR-AUC per category at its thresholds, and the
 * confusion of labels against outcomes.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Measure a policy with a model on labelled images: precision, recall, PR-AUC per category, confusion; JSON + HTML report.")
class EvaluateCommand implements Callable<Integer> {
    @Mixin
    LabelledArgs args;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (LabelledArgs.Run run = args.score(null)) {
            EvaluationReport report = EvaluationReport.of(run.engine().identity(), run.policy(), run.scored());
            report.print(spec.commandLine().getOut());
            report.write(args.out("evaluation"));
            spec.commandLine().getOut().println("reports: " + args.out("evaluation").resolve("report.json") + ", "
                    + args.out("evaluation").resolve("report.html"));
            return run.scored().skipped().isEmpty() ? 0 : 4;
        }
    }
}
