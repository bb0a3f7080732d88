package io.clipguard.cli;

import io.clipguard.evaluation.BiasAudit;
import io.clipguard.evaluation.Reports;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code clipguard audit-bias}: false-positive and false-negative rates of each group against
 * the rest, with Newcombe intervals, flagged only beyond the tolerance after correcting for
 * every test made.
 */
@Command(name = "audit-bias", mixinStandardHelpOptions = true,
        description = "Error rates of a policy by group of images against the rest, with intervals and a multiple-testing correction.")
class AuditBiasCommand implements Callable<Integer> {
    @Mixin
    LabelledArgs args;

    @Option(names = "--groups", paramLabel = "FILE", description = "The images' attributes: CSV with a header image,ATTR,... "
            + "(or image,group lines), or JSON lines {\"image\": ..., \"ATTR\": ...}; paths relative to --labels. "
            + "With --from-verdicts the attribute is the tenant.")
    Path groups;

    @Option(names = "--intersections", description = "Also test each combination of every attribute's values (e.g. skin_tone=dark & age=60+).")
    boolean intersections;

    @Option(names = "--tolerance", defaultValue = "0", description = "Differences of rates up to this are acceptable (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--alpha", defaultValue = "0.05", description = "The audit's error rate over all its tests (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--correction", defaultValue = "holm", description = "holm (family-wise error) or bh (false discovery rate; default: ${DEFAULT-VALUE}).")
    String correction;

    @Option(names = "--min-images", defaultValue = "20", description = "Images of a kind a group and the rest each need to be tested "
            + "(default: ${DEFAULT-VALUE}).")
    int minImages;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (groups == null && !args.fromVerdicts) {
            throw new IllegalArgumentException("give --groups FILE (or --from-verdicts, whose groups are tenants)");
        }
        if (!correction.equals("holm") && !correction.equals("bh")) {
            throw new IllegalArgumentException("--correction is holm or bh, found '" + correction + "'");
        }
        try (LabelledArgs.Run run = args.score(groups)) {
            BiasAudit.Report report = BiasAudit.audit(run.policy(), run.scored().samples(),
                    new BiasAudit.Settings(tolerance, alpha, correction, minImages), intersections);
            Reports.bias(run.engine().identity(), run.policy(), run.scored().samples().size(), report, args.out("bias-audit"),
                    spec.commandLine().getOut());
            spec.commandLine().getOut().println("reports: " + args.out("bias-audit").resolve("report.json") + ", "
                    + args.out("bias-audit").resolve("report.html"));
            return 0;
        }
    }
}
