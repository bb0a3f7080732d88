package io.clipguard.cli;

import io.clipguard.evaluation.BiasAudit;
import io.clipguard.evaluation.Reports;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clipguard audit-bias}: false-positive and false-negative rates by group, with intervals, flagged past a ratio. */
@Command(name = "audit-bias", mixinStandardHelpOptions = true,
        description = "Error rates of a policy by group of images (groups from a CSV), with confidence intervals; flags groups past a ratio.")
class AuditBiasCommand implements Callable<Integer> {
    @Mixin
    LabelledArgs args;

    @Option(names = "--groups", paramLabel = "FILE.csv", description = "Lines image,group (image paths relative to --labels); "
            + "with --from-verdicts the group is the tenant.")
    Path groups;

    @Option(names = "--max-ratio", defaultValue = "1.25", description = "Flag a group whose error rate exceeds the best group's this many times "
            + "(default: ${DEFAULT-VALUE}).")
    double maxRatio;

    @Option(names = "--min-images", defaultValue = "20", description = "Images of a kind a group needs before it can be flagged or be the best "
            + "(default: ${DEFAULT-VALUE}).")
    int minImages;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (groups == null && !args.fromVerdicts) {
            throw new IllegalArgumentException("give --groups FILE.csv (or --from-verdicts, whose groups are tenants)");
        }
        try (LabelledArgs.Run run = args.score(groups)) {
            List<BiasAudit.GroupRates> rates = BiasAudit.audit(run.policy(), run.scored().samples(), maxRatio, minImages);
            Reports.bias(run.engine().identity(), run.policy(), run.scored().samples().size(), maxRatio, rates, args.out("bias-audit"),
                    spec.commandLine().getOut());
            spec.commandLine().getOut().println("reports: " + args.out("bias-audit").resolve("report.json") + ", "
                    + args.out("bias-audit").resolve("report.html"));
            return 0;
        }
    }
}
