package io.clipguard.node;

import io.clipguard.clip.EmbeddingBatcher;
import io.clipguard.config.ClipGuardConfig;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.fetch.AddressPolicy;
import io.clipguard.fetch.FetchSettings;
import io.clipguard.image.DecodeLimits;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.catalog.PolicyFileSync;
import io.clipguard.stream.InFlightWindow;
import io.clipguard.stream.ModerationService;
import io.clipguard.stream.PolicyControl;
import io.clipguard.stream.ServiceSettings;
import io.clipguard.stream.TopicCreator;
import io.clipguard.stream.TopicRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * One running ClipGuard instance, built in one place for {@code serve}, {@code demo}, the
 * benchmarks and the tests: Kafka clients (checked against the broker first), the topics
 * (created once), the model runtime, the policy desk with the policy files applied, and the
 * Kafka Streams service. Closed in reverse order.
 */
public final class ClipGuardNode implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClipGuardNode.class.getName());
    static final String BUNDLED_POLICY = "policies/demo-shapes.yaml";
    private static final Duration STARTUP = Duration.ofMinutes(2);

    private final Settings settings;
    private final EmbeddedKafka embedded;
    private final KafkaClients clients;
    private final TopicRegistry topics;
    private final ModerationRuntime runtime;
    private final PolicyControl control;
    private final ModerationService service;

    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "clipguard-node");
        t.setDaemon(true);
        return t;
    });

    private ClipGuardNode(Settings settings, EmbeddedKafka embedded, KafkaClients clients, TopicRegistry topics,
                          ModerationRuntime runtime, PolicyControl control, ModerationService service) {
        this.settings = settings;
        this.embedded = embedded;
        this.clients = clients;
        this.topics = topics;
        this.runtime = runtime;
        this.control = control;
        this.service = service;
        // A model down for everything pauses processing (nothing turns into dead letters) until it answers again.
        runtime.batcher().health().onChange(available -> {
            if (available) {
                LOG.info("model answers again: resuming processing");
                service.streams().resume();
            } else {
                LOG.severe("model unavailable: pausing processing");
                service.streams().pause();
            }
        });
        housekeeping.scheduleWithFixedDelay(() -> service.refreshLimits(clients), 1, 1, TimeUnit.MINUTES);
    }

    /**
     * Starts an instance. Without {@code embeddedKafka} the bootstrap servers must be set
     * ({@code KAFKA_NOT_CONFIGURED} otherwise: a missing variable never becomes a temporary
     * broker); Kafka refusing the credentials is {@code KAFKA_AUTH_FAILED} before anything else starts.
     */
    public static ClipGuardNode start(Settings settings, boolean embeddedKafka) throws InterruptedException {
        return start(settings, embeddedKafka, UnaryOperator.identity());
    }

    /** The same, with the model the batcher runs wrapped by {@code model} (tests make it fail on demand). */
    public static ClipGuardNode start(Settings settings, boolean embeddedKafka, UnaryOperator<EmbeddingBatcher.ImageModel> model)
            throws InterruptedException {
        ClipGuardConfig c = settings.app();
        EmbeddedKafka embedded = null;
        ModerationRuntime runtime = null;
        PolicyControl control = null;
        ModerationService service = null;
        try {
            KafkaClients clients;
            if (embeddedKafka) {
                embedded = EmbeddedKafka.start();
                clients = KafkaClients.of(embedded.bootstrapServers());
            } else {
                clients = KafkaClients.from(settings);
                clients.requireBootstrapServers();
            }
            LOG.info("Kafka client settings: " + clients.describe());
            clients.check();
            TopicRegistry topics = TopicRegistry.from(c.topics());
            TopicCreator.ensure(clients, topics.service());
            String instance = instanceId(c);
            runtime = ModerationRuntime.open(runtimeSettings(c, instance, model));
            control = new PolicyControl(clients, topics, runtime.policies(), runtime.engine().identity().digest(), instance,
                    c.policies().twoPersonRule(), c.policies().filesRule());
            applyPolicyFiles(c, control, runtime);
            service = new ModerationService(clients, serviceSettings(settings, instance, topics), runtime);
            service.refreshLimits(clients);
            service.start();
            service.awaitRunning(STARTUP);
            if (c.policies().watch()) {
                control.watchFiles(c.policies().watchInterval().toMillis());
            }
            return new ClipGuardNode(settings, embedded, clients, topics, runtime, control, service);
        } catch (RuntimeException | InterruptedException e) {
            closeAll(service, control, runtime, embedded);
            throw e;
        }
    }

    public Settings settings() {
        return settings;
    }

    public KafkaClients clients() {
        return clients;
    }

    /** The embedded broker this node started, or null. */
    public EmbeddedKafka embeddedKafka() {
        return embedded;
    }

    public TopicRegistry topics() {
        return topics;
    }

    public ModerationRuntime runtime() {
        return runtime;
    }

    public PolicyControl policies() {
        return control;
    }

    public ModerationService service() {
        return service;
    }

    @Override
    public void close() {
        housekeeping.shutdownNow();
        closeAll(service, control, runtime, embedded);
    }

    /** The instance id: configured, else the host name (stable across restarts; it also names the state directory). */
    static String instanceId(ClipGuardConfig c) {
        return c.stream().instanceId().orElseGet(() -> {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                return "localhost";
            }
        });
    }

    static ServiceSettings serviceSettings(Settings settings, String instance, TopicRegistry topics) {
        ClipGuardConfig.Stream s = settings.app().stream();
        Path state = s.stateDir().orElse(Path.of(System.getProperty("java.io.tmpdir"), "clipguard-state", instance));
        String advertised = settings.app().http().advertised()
                .orElse("localhost:" + settings.raw("quarkus.http.port").orElse("8080"));
        ClipGuardConfig.Batching b = settings.app().batching();
        return new ServiceSettings(s.applicationId(), instance, state, s.threads(), s.commitInterval(), s.maxPollRecords(), advertised,
                topics, new InFlightWindow(b.inFlightRecords(), b.inFlightBytes(), s.completionInterval(), b.recordDeadline()));
    }

    /** The model runtime alone (model, batcher, policy switch, moderator), as an instance opens it: for tools and topology tests. */
    public static ModerationRuntime openRuntime(Settings settings) {
        return ModerationRuntime.open(runtimeSettings(settings.app(), instanceId(settings.app()), UnaryOperator.identity()));
    }

    static ModerationRuntime.Settings runtimeSettings(ClipGuardConfig c, String instance, UnaryOperator<EmbeddingBatcher.ImageModel> model) {
        ClipGuardConfig.Decode d = c.decode();
        ClipGuardConfig.Fetch f = c.fetch();
        Set<String> hosts = f.allowedHosts().orElse(List.of()).stream().map(String::trim).filter(h -> !h.isEmpty())
                .map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        List<AddressPolicy.Network> networks;
        try {
            networks = f.allowedNetworks().orElse(List.of()).stream().filter(n -> !n.isBlank()).map(AddressPolicy.Network::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new ClipGuardException(ErrorCode.CONFIG_INVALID, "clipguard.fetch.allowed-networks: " + e.getMessage());
        }
        FetchSettings fetch = new FetchSettings(hosts, networks, f.connectTimeout(), f.readTimeout(), f.deadline(), f.minBytesPerSecond(),
                f.maxBytes(), f.maxRedirects(), f.fileRoot().orElse(null));
        return new ModerationRuntime.Settings(Models.dir(c.model()), Models.options(c.model()), enforcedPolicy(c),
                c.batching().maxBatch(), c.batching().maxWait(), c.batching().prepareThreads(),
                new DecodeLimits(d.maxBytes(), d.maxWidth(), d.maxHeight(), d.maxPixels(), d.maxFrames(), d.cpuDeadline()), d.reduced(), fetch,
                instance, model);
    }

    /** The policy whose id this instance enforces: {@code clipguard.policies.file}, else the bundled demo policy. */
    static Policy enforcedPolicy(ClipGuardConfig c) {
        return c.policies().file().map(PolicyFiles::read).orElseGet(() -> PolicyFiles.parse(bundledPolicy(), BUNDLED_POLICY));
    }

    /**
     * Applies the policy files whose content changed: every file in the policies directory
     * and the enforced policy's file; the bundled demo policy when no file named the enforced id.
     */
    private static void applyPolicyFiles(ClipGuardConfig c, PolicyControl control, ModerationRuntime runtime) {
        List<Path> extra = new ArrayList<>();
        c.policies().file().ifPresent(extra::add);
        var applied = control.applyFiles(PolicyFileSync.policyFiles(c.policies().dir(), extra));
        String enforced = runtime.policies().enforcedId();
        if (applied.stream().noneMatch(a -> a.policyId().equals(enforced))) {
            control.applyText(bundledPolicy(), "bundled:" + BUNDLED_POLICY);
        }
    }

    static String bundledPolicy() {
        try (InputStream in = ClipGuardNode.class.getClassLoader().getResourceAsStream(BUNDLED_POLICY)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("bundled demo policy unreadable", e);
        }
    }

    private static void closeAll(AutoCloseable... parts) {
        for (AutoCloseable c : parts) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warning("closing " + c + ": " + e);
                }
            }
        }
    }
}
