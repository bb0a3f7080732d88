package io.clipguard.cli;

import io.clipguard.clip.ClipEngine;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.insight.Reproduction;
import io.clipguard.insight.kafka.Reproducer;
import io.clipguard.schema.AuditRecord;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code clipguard explain CONTENT_ID}: reproduces a decision bit for bit. Reads the content's
 * latest audit record, loads the model it names (refusing another digest), reads the upload
 * again from its source position (or fetches its URI), takes the policy version the audit
 * names from the policy topic, scores it again and compares every category's cosine and
 * probability with the audit's. Exit 0 when identical, {@code SCORES_DIFFER} otherwise.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Re-score a decided upload with the model and policy version its audit record names, and say whether the scores are identical.")
class ExplainCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CONTENT_ID")
    String contentId;

    @Mixin
    KafkaArgs kafkaArgs;

    @Mixin
    EngineArgs engineArgs;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, String> overrides = new HashMap<>();
        engineArgs.addTo(overrides);
        Settings settings = kafkaArgs.settings(overrides);
        PrintWriter out = spec.commandLine().getOut();
        try (ClipEngine engine = engineArgs.open()) {
            Reproduction r = Reproducer.reproduce(settings, engine, contentId);
            AuditRecord audit = r.audit();
            out.printf("%s: %s by %s v%d with %s %s%n", contentId, audit.getAction(), audit.getPolicyId(), audit.getPolicyVersion(),
                    audit.getModelId(), audit.getModelDigest());
            out.println("rule: " + audit.getRule());
            out.printf("%-20s %12s %12s %10s %10s %s%n", "category", "cosine", "again", "probability", "again", "threshold");
            for (Reproduction.Row row : r.rows()) {
                out.printf("%-20s %12.9f %12.9f %10.7f %10.7f %s%n", row.category(), row.cosine(), row.cosineAgain(), row.probability(),
                        row.probabilityAgain(), row.threshold());
            }
            if (audit.getRuntime() != null) {
                out.printf("decided with ONNX Runtime %s on %s (%d intra-op threads, %s), %s; reproduced with ONNX Runtime %s on %s%n",
                        audit.getRuntime().getOnnxRuntimeVersion(), audit.getRuntime().getExecutionProvider(), audit.getRuntime().getIntraOpThreads(),
                        audit.getRuntime().getOsArch(), audit.getImage().getDecodePath(), engine.runtimeVersion(), engine.provider());
            }
            out.println(switch (r.answer()) {
                case IDENTICAL -> "reproduced: identical scores and action";
                case EQUIVALENT -> "reproduced: equal within " + Reproduction.TOLERANCE + " with the same action (largest difference " + r.largest()
                        + "; first: " + r.firstDifference() + ")";
                case DIFFERENT -> "NOT reproduced: " + r.firstDifference();
            });
            out.flush();
            if (r.answer() == Reproduction.Answer.DIFFERENT) {
                throw new ClipGuardException(ErrorCode.SCORES_DIFFER, r.firstDifference());
            }
            return 0;
        }
    }
}
