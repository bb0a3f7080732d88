package io.clipguard.moderation;

import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EmbeddingBatcher;
import io.clipguard.clip.EngineOptions;
import io.clipguard.fetch.FetchSettings;
import io.clipguard.fetch.ImageFetcher;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImagePipeline;
import io.clipguard.policy.Policy;
import io.clipguard.policy.ScoringPolicy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Everything one instance needs to moderate: the engine, the shared batcher, the scoring
 * policy and the {@link Moderator} over them. Opened once per process; closed on shutdown.
 */
public final class ModerationRuntime implements AutoCloseable {
    private final ClipEngine engine;
    private final EmbeddingBatcher batcher;
    private final PolicySwitch policies;
    private final Moderator moderator;

    /** How to build a runtime. */
    public record Settings(Path modelDir, EngineOptions engine, Policy policy, int maxBatch, Duration maxWait,
                           DecodeLimits limits, boolean reducedDecode, FetchSettings fetch, String instanceId) {
    }

    private ModerationRuntime(Settings s) {
        this.engine = ClipEngine.open(s.modelDir(), s.engine());
        try {
            this.policies = new PolicySwitch(ClipScoring.prompts(engine), s.policy());
            this.batcher = new EmbeddingBatcher(engine, s.maxBatch(), s.maxWait());
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        this.moderator = new Moderator(engine, batcher, new ImagePipeline(s.limits(), engine.preprocess(), s.reducedDecode()),
                new ImageFetcher(s.fetch()), policies, s.instanceId(), Clock.systemUTC());
    }

    public static ModerationRuntime open(Settings settings) {
        return new ModerationRuntime(settings);
    }

    public Moderator moderator() {
        return moderator;
    }

    public ClipEngine engine() {
        return engine;
    }

    public EmbeddingBatcher batcher() {
        return batcher;
    }

    /** The enforced policy now. */
    public ScoringPolicy policy() {
        return policies.get().active();
    }

    /** The hot-reload switch: follows the policy catalog. */
    public PolicySwitch policies() {
        return policies;
    }

    @Override
    public void close() {
        batcher.close();
        engine.close();
    }
}
