package io.clipguard.moderation;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.clipguard.bank.Banks;
import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EmbeddingBatcher;
import io.clipguard.clip.EngineOptions;
import io.clipguard.clip.Models;
import io.clipguard.config.ClipGuardConfig;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.fetch.FetchSettings;
import io.clipguard.fetch.ImageFetcher;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImagePipeline;
import io.clipguard.image.Thumbnails;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.PromptEncoder;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.policy.catalog.PolicySwitch;
import io.clipguard.policy.catalog.PromptCache;
import io.clipguard.policy.catalog.PublishRule;
import io.clipguard.policy.catalog.TenantPolicies;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.telemetry.ModerationMetrics;
import io.clipguard.telemetry.Telemetry;
import io.micrometer.core.instrument.Tags;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * Everything one instance needs to moderate: the engine, the shared batcher, the prepare
 * pool (fetch, decode, preprocess and scoring run there, off the stream threads), the scoring
 * policy and the {@link Moderator} over them. Opened once per process; closed on shutdown.
 */
public final class ModerationRuntime implements AutoCloseable {
    private final ClipEngine engine;
    private final EmbeddingBatcher batcher;
    private final PolicySwitch policies;
    private final TenantPolicies tenants;
    private final Moderator moderator;
    private final ImageFetcher fetcher;
    private final ExecutorService prepare;
    private final Thumbnails thumbnails;
    private final Banks banks;
    private final ImagePipeline pipeline;

    /**
     * How to build a runtime.
     *
     * @param prepareThreads threads that fetch, decode, preprocess and score (0: one per core)
     * @param model          wraps the model the batcher runs (identity in service; tests make it fail on demand)
     */
    public record Options(Path modelDir, EngineOptions engine, Policy policy, ScoringPolicy.Mismatch calibrationMismatch, PublishRule publishRule,
                          int maxBatch,
                          Duration maxWait, int prepareThreads, DecodeLimits limits, boolean reducedDecode, FetchSettings fetch, String instanceId,
                          UnaryOperator<EmbeddingBatcher.ImageModel> model, int bankEntries, long bankExemplarBytes, Map<String, Policy> tenants) {

        /** The options {@code clipguard.*} settings describe, for instance {@code instanceId}. */
        public static Options from(ClipGuardConfig c, String instanceId, UnaryOperator<EmbeddingBatcher.ImageModel> model) {
            ClipGuardConfig.Decode d = c.decode();
            Policy enforced = PolicyFiles.enforced(c.policies());
            return new Options(Models.dir(c.model()), Models.options(c.model()), enforced,
                    mismatch(c.policies().calibrationMismatch()), new PublishRule(c.policies().twoPersonRule(), c.policies().filesRule()),
                    c.batching().maxBatch(), c.batching().maxWait(), c.batching().prepareThreads(),
                    DecodeLimits.from(d), d.reduced(), FetchSettings.from(c.fetch()), instanceId, model, c.banks().maxEntries(),
                    exemplarBytes(c.banks().maxExemplarMib(), maxDirectMemory()), tenants(c.policies(), enforced));
        }

        /** A matrix is one direct buffer (at most 2 GiB), and a rebuild holds two: the bound must leave room for both. */
        static long exemplarBytes(int mib, long direct) {
            if (mib < 1 || mib > 2047 || 2L * mib << 20 > direct) {
                throw new ClipGuardException(ErrorCode.CONFIG_INVALID, "clipguard.banks.max-exemplar-mib must be 1 to 2047 and at most half of "
                        + "-XX:MaxDirectMemorySize (" + (direct >> 20) + " MiB here), found " + mib);
            }
            return (long) mib << 20;
        }

        /** -XX:MaxDirectMemorySize, or the heap's maximum where it is not set (the JVM's own default). */
        private static long maxDirectMemory() {
            long heap = Runtime.getRuntime().maxMemory();
            try {
                long set = Long.parseLong(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption("MaxDirectMemorySize").getValue());
                return set > 0 ? set : heap;
            } catch (RuntimeException e) {
                return heap;
            }
        }

        /** Each mapped tenant's policy, read from the policies directory (a tenant mapped to the default id gets the default). */
        private static Map<String, Policy> tenants(ClipGuardConfig.Policies p, Policy enforced) {
            Map<String, Policy> byId = new HashMap<>(Map.of(enforced.id(), enforced));
            Map<String, Policy> out = new LinkedHashMap<>();
            TenantPolicies.parse(p.tenants().orElse("")).forEach((tenant, id) -> out.put(tenant, byId.computeIfAbsent(id, i -> TenantPolicies.inDir(p.dir(), i))));
            return out;
        }

        private static ScoringPolicy.Mismatch mismatch(String setting) {
            return switch (setting) {
                case "refuse" -> ScoringPolicy.Mismatch.REFUSE;
                case "uncalibrated" -> ScoringPolicy.Mismatch.UNCALIBRATED;
                default -> throw new ClipGuardException(ErrorCode.CONFIG_INVALID, "clipguard.policies.calibration-mismatch must be refuse or "
                        + "uncalibrated, found '" + setting + "'");
            };
        }
    }

    private ModerationRuntime(Options s, Telemetry telemetry) {
        this.engine = ClipEngine.open(s.modelDir(), s.engine());
        try {
            PromptEncoder prompts = new PromptCache(ClipScoring.prompts(engine));
            this.policies = new PolicySwitch(prompts, s.policy(), s.calibrationMismatch(), s.publishRule());
            this.tenants = new TenantPolicies(policies, s.tenants(), p -> new PolicySwitch(prompts, p, s.calibrationMismatch(), s.publishRule()));
            this.batcher = new EmbeddingBatcher(s.model().apply(engine::embedImages), new float[engine.preprocess().tensorSize()],
                    s.maxBatch(), s.maxWait(), Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        int threads = s.prepareThreads() > 0 ? s.prepareThreads() : Runtime.getRuntime().availableProcessors();
        AtomicInteger n = new AtomicInteger();
        this.prepare = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "clipguard-prepare-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.fetcher = new ImageFetcher(s.fetch());
        this.thumbnails = new Thumbnails(s.limits());
        this.banks = new Banks(s.bankEntries(), s.bankExemplarBytes());
        batcher.search(banks.search(engine.identity().digest()));
        this.pipeline = new ImagePipeline(s.limits(), engine.preprocess(), s.reducedDecode());
        this.moderator = new Moderator(engine, batcher, pipeline, fetcher, tenants::forTenant, s.instanceId(), Clock.systemUTC(), prepare, telemetry.tracer(), banks);
    }

    /** A runtime whose moderation is traced with {@code telemetry} (the node's). */
    public static ModerationRuntime open(Options options, Telemetry telemetry) {
        return new ModerationRuntime(options, telemetry);
    }

    /** The runtime alone, as an instance with these settings opens it (tools and topology tests), traced with {@code telemetry}. */
    public static ModerationRuntime open(Settings settings, Telemetry telemetry) {
        ModerationRuntime runtime = open(Options.from(settings.app(), settings.instanceId(), UnaryOperator.identity()), telemetry);
        runtime.batcher().observe(telemetry.tracer(), size -> { });
        return runtime;
    }

    /** The same, untraced. */
    public static ModerationRuntime open(Settings settings) {
        return open(settings, Telemetry.none());
    }

    /** The runtime's gauges and counters, read at each scrape: the inference queue and errors, model health, policy reloads. */
    public void bindMetrics(ModerationMetrics metrics) {
        metrics.gauge("clipguard.model.provider.fallback", "1 when provider auto found CUDA in this build but ran on the CPU", () ->
                engine.providerFellBack() ? 1 : 0);
        metrics.gauge("clipguard.inference.queue", "Images waiting for the next inference batch", batcher::queued);
        metrics.counter("clipguard.inference.errors", "Inference runs that failed (whole batches and single images)", Tags.empty(),
                batcher::failures);
        metrics.counter("clipguard.policy.reloads", "Policy versions swapped in, and heads refused", Tags.of("outcome", "applied"),
                policies::reloads);
        metrics.counter("clipguard.policy.reloads", "Policy versions swapped in, and heads refused", Tags.of("outcome", "refused"),
                policies::refusals);
        metrics.gauge("clipguard.model.available", "1 while the model answers, 0 while it is down", () -> batcher.health().available() ? 1 : 0);
        metrics.gauge("clipguard.policy.version", "The policy version this instance enforces", () -> policy().policy().version());
        metrics.gauge("clipguard.policy.calibration.mismatch", "1 while the enforced version is scored uncalibrated: its calibration was "
                + "fitted on another model, logit scale or prompt set", policies::calibrationMismatch);
        metrics.info("clipguard.model.info", "The loaded model", Tags.of("model_id", engine.identity().id(),
                "model_digest", engine.identity().digest(), "execution_provider", engine.provider()));
    }

    public Moderator moderator() {
        return moderator;
    }

    /** An image read as an upload is (its views, tensors and PDQ hashes), within the decode limits. */
    public ImagePipeline.Prepared prepare(byte[] bytes) {
        return pipeline.prepare(bytes);
    }

    /** The embedding of one prepared tensor, through the shared batcher. */
    public float[] embed(float[] tensor) throws InterruptedException {
        return batcher.embed(tensor).vector();
    }

    /** The banks this instance holds (fed from the banks topic), which every decision is matched against. */
    public Banks banks() {
        return banks;
    }

    public ClipEngine engine() {
        return engine;
    }

    /** An upload's image: its inline bytes, or fetched from its URI under the same allow-list and limits as moderation. */
    public byte[] imageBytes(ImageUploaded event) {
        return Moderator.imageBytes(event, fetcher);
    }

    /** Renders thumbnails under the same decode limits as moderation. */
    public Thumbnails thumbnails() {
        return thumbnails;
    }

    public EmbeddingBatcher batcher() {
        return batcher;
    }

    /** The enforced policy now. */
    public ScoringPolicy policy() {
        return policies.get().active();
    }

    /** Which policy decides each tenant: a switch per enforced policy id, all following the policy catalog. */
    public TenantPolicies tenants() {
        return tenants;
    }

    /** The hot-reload switch of the default policy (unmapped tenants): follows the policy catalog. */
    public PolicySwitch policies() {
        return policies;
    }

    @Override
    public void close() {
        prepare.shutdownNow();
        try {
            prepare.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        fetcher.close();
        batcher.close();
        engine.close();
    }
}
