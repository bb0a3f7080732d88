package io.clipguard.cli;

import io.clipguard.clip.ClipEngine;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.fetch.ImageFetcher;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImagePipeline;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.moderation.ClipScoring;
import io.clipguard.moderation.Moderator;
import io.clipguard.node.ClipGuardNode;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.policy.catalog.PolicyCatalog;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.CategoryScore;
import io.clipguard.schema.SourcePosition;
import io.clipguard.stream.AuditReader;
import io.clipguard.stream.AvroSerde;
import io.clipguard.stream.PolicyLog;
import io.clipguard.stream.SourceReader;
import io.clipguard.stream.TopicRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
        KafkaClients clients = KafkaClients.from(settings);
        clients.requireBootstrapServers();
        TopicRegistry topics = TopicRegistry.from(settings.app().topics());
        Duration timeout = Duration.ofSeconds(30);
        AuditRecord audit = AuditReader.latest(clients, topics, contentId, timeout).orElseThrow(() ->
                new ClipGuardException(ErrorCode.DECISION_NOT_FOUND, "no audit record for contentId '" + contentId + "' on " + topics.audit().name()));
        PrintWriter out = spec.commandLine().getOut();
        try (ClipEngine engine = engineArgs.open()) {
            if (!engine.identity().digest().equals(audit.getModelDigest())) {
                throw new ClipGuardException(ErrorCode.MODEL_DIGEST_MISMATCH, "the decision was made by " + audit.getModelId() + " "
                        + audit.getModelDigest() + "; the model given is " + engine.identity().id() + " " + engine.identity().digest());
            }
            Policy policy = PolicyCatalog.of(PolicyLog.readAll(clients, topics, timeout)).version(audit.getPolicyId(), audit.getPolicyVersion())
                    .map(v -> PolicyFiles.parse(v.getYaml(), audit.getPolicyId() + " v" + audit.getPolicyVersion()))
                    .orElseThrow(() -> new ClipGuardException(ErrorCode.VERSION_NOT_FOUND, audit.getPolicyId() + " v" + audit.getPolicyVersion()
                            + " is no longer on " + topics.policies().name()));
            byte[] image = image(clients, settings, audit);
            ImagePipeline pipeline = new ImagePipeline(DecodeLimits.defaults(), engine.preprocess(), true);
            float[] vector = engine.embedImages(List.of(pipeline.prepare(image).tensor()))[0];
            ScoringPolicy.Verdict again = new ScoringPolicy(policy, ClipScoring.prompts(engine)).score(vector, contentId);
            out.printf("%s: %s by %s v%d with %s %s%n", contentId, audit.getAction(), audit.getPolicyId(), audit.getPolicyVersion(),
                    audit.getModelId(), audit.getModelDigest());
            out.println("rule: " + audit.getRule());
            out.printf("%-20s %12s %12s %10s %10s %s%n", "category", "cosine", "again", "probability", "again", "threshold");
            double worst = 0;
            for (CategoryScore s : audit.getScores()) {
                ScoringPolicy.Score r = again.scores().stream().filter(x -> x.category().equals(s.getCategory())).findFirst().orElse(null);
                double cos = r == null ? Double.NaN : r.cosine();
                double p = r == null ? Double.NaN : r.probability();
                worst = Math.max(worst, Math.max(Math.abs(cos - s.getCosine()), Math.abs(p - s.getProbability())));
                out.printf("%-20s %12.9f %12.9f %10.7f %10.7f %s%n", s.getCategory(), s.getCosine(), cos, s.getProbability(), p, s.getThreshold());
            }
            boolean identical = worst == 0 && again.action().name().equals(audit.getAction().name()) && audit.getScores().size() == again.scores().size();
            out.println(identical ? "reproduced: identical scores and action" : "NOT reproduced: largest difference " + worst + ", action now "
                    + again.action());
            out.flush();
            if (!identical) {
                throw new ClipGuardException(ErrorCode.SCORES_DIFFER, "largest score difference " + worst + "; action then " + audit.getAction()
                        + ", now " + again.action());
            }
            return 0;
        }
    }

    /** The upload's image again: from its record on the uploads topic, inline or by URI (fetched under the same allow-list). */
    private static byte[] image(KafkaClients clients, Settings settings, AuditRecord audit) throws IOException {
        SourcePosition source = audit.getSource();
        ConsumerRecord<byte[], byte[]> r = SourceReader.kafka(clients).one(source.getTopic(), source.getPartition(), source.getOffset())
                .orElseThrow(() -> new ClipGuardException(ErrorCode.SOURCE_GONE, "the upload at " + source.getTopic() + "/" + source.getPartition()
                        + "@" + source.getOffset() + " is no longer on the topic (retention)"));
        try (ImageFetcher fetcher = new ImageFetcher(ClipGuardNode.fetchSettings(settings.app()))) {
            return Moderator.imageBytes(AvroSerde.IMAGE_UPLOADED.decode(r.value()), fetcher);
        }
    }
}
