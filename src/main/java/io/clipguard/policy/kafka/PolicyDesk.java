package io.clipguard.policy.kafka;

import io.clipguard.config.ClipGuardConfig;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicReader;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.policy.BulkScorer;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.policy.ShadowComparison;
import io.clipguard.policy.StoredBacktest;
import io.clipguard.policy.StoredMatcher;
import io.clipguard.policy.catalog.PolicyCatalog;
import io.clipguard.policy.catalog.PolicyFileSync;
import io.clipguard.policy.catalog.PolicySwitch;
import io.clipguard.policy.catalog.PolicyWriter;
import io.clipguard.schema.PolicyChange;
import io.clipguard.schema.PolicyVersion;
import io.clipguard.schema.ShadowDecision;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * One instance's policy desk: the writer that publishes to {@code moderation.policies}, the
 * start-up apply and dev-mode watch of policy files, backtests over stored embeddings, the
 * shadow comparison and the change log. Reads come from the instance's own global store
 * (through the {@link PolicySwitch}); writes wait until that store shows them.
 */
public final class PolicyDesk implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PolicyDesk.class.getName());
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaClients clients;
    private final TopicRegistry topics;
    private final PolicySwitch policies;
    private final String modelDigest;
    private final PolicyLog log;
    private final PolicyWriter writer;
    private final boolean twoPersonRule;
    private final boolean filesRule;
    private final BulkScorer.Factory bulk;
    private final StoredMatcher banks;
    private PolicyFileSync files;
    private PolicyWriter startup;

    /**
     * @param bulk scores stored embeddings for backtests (the model's engine, injected: this
     *             package knows the model only through the policy package's interfaces)
     * @param banks matches stored uploads against the banks, for backtests
     */
    public PolicyDesk(KafkaClients clients, TopicRegistry topics, PolicySwitch policies, String modelDigest, String instanceId,
                      ClipGuardConfig.Policies settings, BulkScorer.Factory bulk, StoredMatcher banks) {
        this.clients = clients;
        this.topics = topics;
        this.policies = policies;
        this.modelDigest = modelDigest;
        this.twoPersonRule = settings.twoPersonRule();
        this.filesRule = settings.filesRule();
        this.bulk = bulk;
        this.banks = banks;
        this.log = new PolicyLog(clients, topics, instanceId);
        this.writer = new PolicyWriter(log, policies::catalog, policies::checkActivation, this.twoPersonRule, this.filesRule, Clock.systemUTC(),
                Duration.ofSeconds(10));
    }

    /** The live writer (reads its own writes through this instance's global store). */
    public PolicyWriter writer() {
        return writer;
    }

    public PolicySwitch policies() {
        return policies;
    }

    public PolicyCatalog catalog() {
        return policies.catalog();
    }

    /**
     * Before the service starts: applies the policy files whose content changed (every file in
     * the policies directory and the enforced policy's file), and the bundled demo policy when
     * no file named the enforced id.
     */
    public void applyStartupFiles(ClipGuardConfig.Policies settings) {
        List<Path> extra = new ArrayList<>();
        settings.file().ifPresent(extra::add);
        List<PolicyFileSync.Applied> applied = applyFiles(PolicyFileSync.policyFiles(settings.dir(), extra));
        if (applied.stream().noneMatch(a -> a.policyId().equals(policies.enforcedId()))) {
            applyText(PolicyFiles.bundledText(), "bundled:" + PolicyFiles.BUNDLED);
        }
    }

    /**
     * Before the service starts: applies each policy file that changed since it was last
     * applied (read from the topic to its end, as no store runs yet; see {@link PolicyWriter#applyFile}).
     */
    public List<PolicyFileSync.Applied> applyFiles(List<Path> paths) {
        files = new PolicyFileSync(paths);
        List<PolicyFileSync.Applied> applied = files.applyAll(startupWriter());
        applied.forEach(a -> LOG.info(a.file() + ": " + PolicyFileSync.describe(a)));
        return applied;
    }

    /** Before the service starts: applies a document that is not a file (the bundled default policy) when it changed. */
    public void applyText(String yaml, String where) {
        PolicyWriter.FileApplied a = startupWriter().applyFile(yaml, where, where);
        if (a.result() != PolicyWriter.FileApplied.Result.UNCHANGED) {
            LOG.info(where + ": " + a.policyId() + " v" + a.version() + " " + a.result().name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** One writer for everything applied before start: the topic is read once, not per file. */
    private synchronized PolicyWriter startupWriter() {
        if (startup == null) {
            startup = log.offlineWriter(policies::checkActivation, twoPersonRule, filesRule, READ_TIMEOUT);
        }
        return startup;
    }

    /** Dev mode: applies each saved edit of the policy files given to {@link #applyFiles}. */
    public void watchFiles(long intervalMs) {
        if (files != null) {
            files.watch(writer, intervalMs);
        }
    }

    /**
     * Dry run of {@code draft} against the newest {@code limit} stored embeddings of this
     * instance's model digest, compared with the enforced version.
     *
     * @param tenants the uploads that count, by tenant: those of the tenants the policy decides
     */
    public StoredBacktest.Report backtest(PolicyVersion draft, Predicate<String> tenants, int limit, LongConsumer readProgress,
                                          LongConsumer scoreProgress) {
        ScoringPolicy after = policies.prepare(draft);
        ScoringPolicy before = draft.getPolicyId().equals(policies.enforcedId()) ? policies.get().active()
                : catalog().active(draft.getPolicyId()).map(policies::prepare).orElse(after);
        return backtest(before, after, tenants, limit, readProgress, scoreProgress);
    }

    /**
     * Dry run of a document not saved yet (the studio's sliders): {@code after} prepared from the
     * draft text, compared with what enforces its policy.
     */
    public StoredBacktest.Report backtest(ScoringPolicy before, ScoringPolicy after, Predicate<String> tenants, int limit,
                                          LongConsumer readProgress, LongConsumer scoreProgress) {
        EmbeddingArchive.Stored stored = EmbeddingArchive.latest(clients, topics.embeddings().name(), modelDigest, tenants, limit,
                readProgress, READ_TIMEOUT);
        Map<String, StoredBacktest.Label> labels;
        try {
            labels = VerdictLabels.of(clients, topics.verdicts().name(), new HashSet<>(stored.contentIds()), READ_TIMEOUT);
        } catch (RuntimeException e) {
            // The volumes stand without precision and recall.
            LOG.warning("backtest without reviewers' verdicts: " + e.getMessage());
            labels = Map.of();
        }
        return StoredBacktest.run(before, after, new StoredBacktest.Rows(stored.contentIds(), stored.hashes(), stored.vectors(), stored.rows(),
                labels, stored.spanSeconds()), scoreProgress, bulk, banks);
    }

    /** Every shadow decision recorded for {@code policyId} v{@code shadowVersion}, compared. */
    public ShadowComparison.Report shadowReport(String policyId, int shadowVersion) {
        ShadowComparison comparison = new ShadowComparison();
        Integer active = null;
        for (ShadowDecision d : TopicReader.values(clients, topics.shadow().name(), AvroSerde.SHADOW_DECISION, READ_TIMEOUT)) {
            if (d.getPolicyId().equals(policyId) && d.getShadowVersion() == shadowVersion) {
                comparison.add(d);
                active = d.getActiveVersion();
            }
        }
        return comparison.report(policyId, shadowVersion, active);
    }

    /** The change log of one policy, oldest first. */
    public List<PolicyChange> changes(String policyId) {
        return TopicReader.values(clients, topics.policyChanges().name(), AvroSerde.POLICY_CHANGE, READ_TIMEOUT).stream()
                .filter(c -> c.getPolicyId().equals(policyId)).toList();
    }

    @Override
    public void close() {
        if (files != null) {
            files.close();
        }
        log.close();
    }
}
