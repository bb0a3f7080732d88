package io.clipguard.cli;

import io.clipguard.config.ClipGuardConfig;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.KafkaErrors;
import io.clipguard.policy.catalog.PolicyWriter;
import io.clipguard.stream.PolicyLog;
import io.clipguard.stream.TopicCreator;
import io.clipguard.stream.TopicRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        subcommands = {PolicyCommand.Apply.class})
class PolicyCommand {

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
            } catch (org.apache.kafka.common.KafkaException | IllegalStateException e) {
                throw KafkaErrors.translate(e);
            }
            out.flush();
            return 0;
        }
    }
}
