package io.clipguard.insight.kafka;

import io.clipguard.clip.ClipEngine;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.fetch.FetchSettings;
import io.clipguard.fetch.ImageFetcher;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImagePipeline;
import io.clipguard.insight.Reproduction;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.moderation.ClipScoring;
import io.clipguard.moderation.Moderator;
import io.clipguard.moderation.kafka.SourceReader;
import io.clipguard.policy.Policy;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.policy.catalog.PolicyCatalog;
import io.clipguard.policy.kafka.PolicyLog;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.SourcePosition;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Scores a decided upload again with the model and policy version its audit record names: the
 * content's latest audit record, the upload read again from its source position (or its URI
 * fetched again) and decoded with the service's settings, the policy version from the policy
 * topic. Another model is refused by digest.
 */
public final class Reproducer {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Reproducer() {
    }

    public static Reproduction reproduce(Settings settings, ClipEngine engine, String contentId) throws IOException {
        KafkaClients clients = KafkaClients.from(settings);
        clients.requireBootstrapServers();
        TopicRegistry topics = TopicRegistry.from(settings.app().topics());
        AuditRecord audit = AuditReader.latest(clients, topics, contentId, TIMEOUT).orElseThrow(() ->
                new ClipGuardException(ErrorCode.DECISION_NOT_FOUND, "no audit record for contentId '" + contentId + "' on " + topics.audit().name()));
        if (!engine.identity().digest().equals(audit.getModelDigest())) {
            throw new ClipGuardException(ErrorCode.MODEL_DIGEST_MISMATCH, "the decision was made by " + audit.getModelId() + " "
                    + audit.getModelDigest() + "; the model given is " + engine.identity().id() + " " + engine.identity().digest());
        }
        Policy policy = PolicyCatalog.of(PolicyLog.readAll(clients, topics, TIMEOUT)).decidedBy(audit.getPolicyId(), audit.getPolicyVersion())
                .orElseThrow(() -> new ClipGuardException(ErrorCode.VERSION_NOT_FOUND, audit.getPolicyId() + " v" + audit.getPolicyVersion()
                        + " is no longer on " + topics.policies().name()));
        byte[] image = image(clients, settings, audit);
        // Decoded as the service decoded it: the same limits, and the reduced path only if the service took it.
        boolean reduced = audit.getRuntime() != null ? audit.getRuntime().getReducedDecode() : !"full".equals(audit.getImage().getDecodePath());
        ImagePipeline pipeline = new ImagePipeline(DecodeLimits.from(settings.app().decode()), engine.preprocess(), reduced);
        // Every view, scored as the service scored them (each category at its highest over the views).
        List<float[]> views = List.of(engine.embedImages(pipeline.prepare(image).tensors()));
        ScoringPolicy scoring = new ScoringPolicy(policy, ClipScoring.prompts(engine), ScoringPolicy.Mismatch.UNCALIBRATED);
        return Reproduction.of(audit, scoring, scoring.score(views, contentId).verdict());
    }

    /** The upload's image again: from its record on the uploads topic, inline or by URI (fetched under the same allow-list). */
    private static byte[] image(KafkaClients clients, Settings settings, AuditRecord audit) throws IOException {
        SourcePosition source = audit.getSource();
        ConsumerRecord<byte[], byte[]> r = SourceReader.kafka(clients).one(source.getTopic(), source.getPartition(), source.getOffset())
                .orElseThrow(() -> new ClipGuardException(ErrorCode.SOURCE_GONE, "the upload at " + source.getTopic() + "/" + source.getPartition()
                        + "@" + source.getOffset() + " is no longer on the topic (retention)"));
        try (ImageFetcher fetcher = new ImageFetcher(FetchSettings.from(settings.app().fetch()))) {
            return Moderator.imageBytes(AvroSerde.IMAGE_UPLOADED.decode(r.value()), fetcher);
        }
    }
}
