package io.clipguard.cli;

import io.clipguard.config.ClipGuardConfig;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.evaluation.Calibration;
import io.clipguard.evaluation.CalibrationDraft;
import io.clipguard.evaluation.Reports;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.KafkaErrors;
import io.clipguard.kafka.TopicCreator;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.catalog.PolicyWriter;
import io.clipguard.policy.kafka.PolicyLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clipguard policy ...}: policy operations from the command line. */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Policy operations.",
        subcommands = {PolicyCommand.Apply.class, PolicyCommand.Calibrate.class})
class PolicyCommand {

    /**
     * {@code clipguard policy calibrate}: each category's calibration and threshold fitted on
     * labelled images (or reviewers' verdicts) to a target that production will honour, judged by
     * held-out 95 % bounds; writes a schema-2 draft policy with the calibration and its pins (a
     * file, or a draft version through the policy API with the report as its reason) for backtest
     * and shadow mode to check on live traffic before anyone publishes it.
     */
    @Command(name = "calibrate", mixinStandardHelpOptions = true,
            description = "Calibrate each category on labelled images and choose its threshold to a target with 95 %% confidence; write a draft policy.")
    static class Calibrate implements Callable<Integer> {
        @Mixin
        LabelledArgs args;

        @Option(names = "--target-precision", paramLabel = "P", description = "For every category: the lowest threshold whose precision "
                + "(at --prevalence when given) reaches P with 95 %% confidence.")
        Double precision;

        @Option(names = "--target-recall", paramLabel = "R", description = "For every category: the highest threshold whose recall reaches R "
                + "with 95 %% confidence.")
        Double recall;

        @Option(names = "--target-fpr", paramLabel = "F", description = "For every category: the lowest threshold whose false-positive rate "
                + "on images without it stays under F with 95 %% confidence.")
        Double fpr;

        @Option(names = "--category-precision", paramLabel = "ID=P", description = "A precision target for one category; repeatable.")
        Map<String, Double> categoryPrecision = new LinkedHashMap<>();

        @Option(names = "--category-recall", paramLabel = "ID=R", description = "A recall target for one category; repeatable.")
        Map<String, Double> categoryRecall = new LinkedHashMap<>();

        @Option(names = "--prevalence", paramLabel = "ID=P", description = "A category's share of production traffic (e.g. weapons=0.005): "
                + "precision is judged at it, not at the labels' mix; repeatable. With --from-verdicts it is estimated from the reviewed "
                + "decisions weighted back to the traffic when not given.")
        Map<String, Double> prevalence = new LinkedHashMap<>();

        @Option(names = "--seed", defaultValue = "1", description = "Seed of the folds and the bootstrap (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--draft", paramLabel = "FILE", description = "Write the calibrated policy here (default: OUT/policy-draft.yaml).")
        Path draft;

        @Option(names = "--draft-api", paramLabel = "URL", description = "Also create it as a draft version through the policy API at URL "
                + "(e.g. http://localhost:8080), as --user with the password in CLIPGUARD_PASSWORD or on stdin.")
        String api;

        @Option(names = "--user", description = "The editor creating the draft through --draft-api.")
        String user;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if ((precision != null ? 1 : 0) + (recall != null ? 1 : 0) + (fpr != null ? 1 : 0) > 1) {
                throw new IllegalArgumentException("give one of --target-precision, --target-recall or --target-fpr");
            }
            Calibration.Target all = precision != null ? new Calibration.Target(Calibration.Kind.PRECISION, precision, null)
                    : recall != null ? new Calibration.Target(Calibration.Kind.RECALL, recall, null)
                    : fpr != null ? new Calibration.Target(Calibration.Kind.FALSE_POSITIVE_RATE, fpr, null) : null;
            Map<String, Calibration.Target> per = new LinkedHashMap<>();
            categoryPrecision.forEach((id, p) -> per.put(id, new Calibration.Target(Calibration.Kind.PRECISION, p, null)));
            categoryRecall.forEach((id, r) -> per.put(id, new Calibration.Target(Calibration.Kind.RECALL, r, null)));
            if (all == null && per.isEmpty()) {
                throw new IllegalArgumentException("give a target: --target-precision, --target-recall, --target-fpr, --category-precision "
                        + "or --category-recall");
            }
            PrintWriter out = spec.commandLine().getOut();
            try (LabelledArgs.Run run = args.score(null, true)) {
                for (String id : concat(per.keySet(), prevalence.keySet())) {
                    if (run.policy().categories().stream().noneMatch(c -> c.id().equals(id))) {
                        throw new IllegalArgumentException("no category '" + id + "' in " + run.policy().id());
                    }
                }
                Map<String, Double> prevalences = new LinkedHashMap<>(run.prevalence());
                prevalences.putAll(prevalence);
                if (!run.prevalence().isEmpty() && prevalence.isEmpty()) {
                    out.println("prevalence estimated from the reviewed decisions, weighted back to the traffic: " + run.prevalence());
                }
                List<Calibration.Result> results = Calibration.calibrate(run.policy(), run.scored().samples(), per, all, prevalences, seed);
                Path dir = args.out("calibration");
                Reports.calibration(run.engine().identity(), run.policy(), run.scored().samples().size(), run.effectiveSampleSize(), results,
                        dir, out);
                Map<String, String> hashes = new LinkedHashMap<>();
                for (int i = 0; i < run.policy().categories().size(); i++) {
                    hashes.put(run.policy().categories().get(i).id(), run.scoring().categoryPromptsHashes().get(i));
                }
                String yaml = CalibrationDraft.yaml(Files.readString(args.policy, StandardCharsets.UTF_8), results,
                        new CalibrationDraft.Pins(run.engine().identity().digest(), run.engine().logitScale(), Instant.now().truncatedTo(
                                java.time.temporal.ChronoUnit.SECONDS), args.fromVerdicts ? "verdicts" : "labels", hashes));
                PolicyFiles.parse(yaml, "the calibrated draft"); // still a valid policy
                Path file = draft != null ? draft : dir.resolve("policy-draft.yaml");
                Files.writeString(file, yaml, StandardCharsets.UTF_8);
                String reason = CalibrationDraft.summary(run.scored().samples().size(), results);
                out.println("draft: " + file);
                if (api != null) {
                    out.println("draft version: " + DraftApi.create(api, user, run.policy().id(), yaml, reason));
                }
                out.println("reports: " + dir.resolve("report.json") + ", " + dir.resolve("report.html"));
                out.flush();
                List<String> refused = results.stream().filter(r -> !r.supported()).map(r -> r.category() + ": " + r.note()).toList();
                if (!refused.isEmpty()) {
                    throw new ClipGuardException(ErrorCode.CALIBRATION_UNSUPPORTED, String.join("; ", refused));
                }
                return 0;
            }
        }

        private static List<String> concat(java.util.Set<String> a, java.util.Set<String> b) {
            List<String> out = new java.util.ArrayList<>(a);
            out.addAll(b);
            return out;
        }
    }

    /**
     * {@code clipguard policy apply FILE}: publishes the file as the new active version when
     * its content differs from the active one. Running instances pick it up from the
     * topic; an instance whose model the policy was not calibrated for refuses it and keeps
     * its version (see GET /policies).
     */
    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = "Publish a policy file to moderation.policies when its content changed; every instance reloads it.")
    static class Apply implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "Policy YAML.")
        Path file;

        @Mixin
        KafkaArgs kafkaArgs;

        @Option(names = "--author", description = "Recorded as the author (default: the operating-system user).")
        String author;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            String yaml;
            try {
                yaml = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ClipGuardException(ErrorCode.FILE_UNREADABLE, file + ": " + e.getMessage());
            }
            Settings settings = kafkaArgs.settings(Map.of());
            KafkaClients clients = KafkaClients.from(settings);
            clients.requireBootstrapServers();
            TopicRegistry topics = TopicRegistry.from(settings.app().topics());
            PrintWriter out = spec.commandLine().getOut();
            try {
                TopicCreator.ensure(clients, List.of(topics.policies(), topics.policyChanges()));
                try (PolicyLog log = new PolicyLog(clients, topics, "cli")) {
                    // No model here: instances check the calibration when the head reaches them.
                    // The deployment's governance applies here too: under the two-person rule a changed file is a draft.
                    ClipGuardConfig.Policies rules = settings.app().policies();
                    PolicyWriter writer = log.offlineWriter(p -> { }, rules.twoPersonRule(), rules.filesRule(), Duration.ofSeconds(30));
                    PolicyWriter.FileApplied a = writer.applyFile(yaml, file.toString(), "cli:" + (author != null ? author
                            : System.getProperty("user.name", "cli")));
                    out.println(switch (a.result()) {
                        case PUBLISHED -> "published " + a.policyId() + " v" + a.version();
                        case DRAFTED -> "drafted " + a.policyId() + " v" + a.version() + ": a publisher must publish it (two-person rule)";
                        case UNCHANGED -> "unchanged: the file's content is already active, or was applied before";
                    });
                }
            } catch (IllegalStateException e) {
                throw KafkaErrors.translate(e); // the policy topic could not be read to its end in time
            } catch (RuntimeException e) {
                throw KafkaErrors.ifKafka(e).map(RuntimeException.class::cast).orElse(e);
            }
            out.flush();
            return 0;
        }
    }
}
