package io.clipguard.moderation;

import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EmbeddingBatcher;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.fetch.ImageFetcher;
import io.clipguard.image.ImagePipeline;
import io.clipguard.image.PreprocessSpec;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.schema.Action;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.BatchInfo;
import io.clipguard.schema.CategoryPrompts;
import io.clipguard.schema.CategoryScore;
import io.clipguard.schema.EmbeddingRecord;
import io.clipguard.schema.ImageFacts;
import io.clipguard.schema.ImageReference;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.InlineImage;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.Preprocessing;
import io.clipguard.schema.ShadowDecision;
import io.clipguard.schema.SourcePosition;
import io.clipguard.schema.StageTimings;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

/**
 * One upload from event to outcome: read the image (inline or fetched), decode and
 * preprocess, embed in a shared batch, score against the active policy, and build the
 * decision, audit and embedding records. Knows nothing of Kafka; every failure becomes a
 * {@link Outcome.Rejected} with a stable code, never an exception.
 */
public final class Moderator {
    private final ClipEngine engine;
    private final EmbeddingBatcher batcher;
    private final ImagePipeline pipeline;
    private final ImageFetcher fetcher;
    private final Supplier<PolicySet> policies;
    private final String instanceId;
    private final Clock clock;
    private final Tracer tracer = GlobalOpenTelemetry.getTracer("io.clipguard");

    public Moderator(ClipEngine engine, EmbeddingBatcher batcher, ImagePipeline pipeline, ImageFetcher fetcher,
                     Supplier<PolicySet> policies, String instanceId, Clock clock) {
        this.engine = engine;
        this.batcher = batcher;
        this.pipeline = pipeline;
        this.fetcher = fetcher;
        this.policies = policies;
        this.instanceId = instanceId;
        this.clock = clock;
    }

    public String instanceId() {
        return instanceId;
    }

    public Outcome moderate(ImageUploaded event, SourcePosition source) {
        Span span = tracer.spanBuilder("moderate").setAttribute("clipguard.content_id", String.valueOf(event.getContentId())).startSpan();
        try {
            return decide(event, source, span);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome.Rejected(ErrorCode.INTERRUPTED, "processing was interrupted");
        } finally {
            span.end();
        }
    }

    private Outcome decide(ImageUploaded event, SourcePosition source, Span span) throws InterruptedException {
        String missing = missingField(event);
        if (missing != null) {
            return new Outcome.Rejected(ErrorCode.FIELD_MISSING, "required field '" + missing + "' is empty");
        }
        long t0 = System.nanoTime();
        byte[] bytes;
        String from;
        try {
            if (event.getImage() instanceof InlineImage inline) {
                bytes = toArray(inline.getBytes());
                from = "inline";
            } else {
                from = ((ImageReference) event.getImage()).getUri();
                bytes = fetcher.fetch(from);
            }
        } catch (ClipGuardException e) {
            return new Outcome.Rejected(e.code(), e.getMessage());
        }
        long t1 = System.nanoTime();
        ImagePipeline.Prepared prepared;
        try {
            prepared = pipeline.prepare(bytes);
        } catch (ClipGuardException e) {
            return new Outcome.Rejected(e.code(), e.getMessage());
        }
        long t2 = System.nanoTime();
        EmbeddingBatcher.Result embedded;
        try {
            embedded = batcher.embed(prepared.tensor());
        } catch (ClipGuardException e) {
            return new Outcome.Rejected(ErrorCode.MODEL_ERROR, e.getMessage());
        }
        long t3 = System.nanoTime();
        PolicySet set = policies.get();
        ScoringPolicy active = set.active();
        ScoringPolicy.Verdict verdict = active.score(embedded.vector(), event.getContentId());
        long t4 = System.nanoTime();

        Instant now = clock.instant();
        List<CategoryScore> scores = scores(verdict);
        Action action = Action.valueOf(verdict.action().name());
        String traceId = span.getSpanContext().isValid() ? span.getSpanContext().getTraceId() : null;
        ModerationDecision decision = ModerationDecision.newBuilder()
                .setEventId(event.getEventId()).setContentId(event.getContentId()).setTenant(event.getTenant())
                .setAction(action).setTriggeringCategory(verdict.triggeringCategory()).setScores(scores)
                .setPolicyId(active.policy().id()).setPolicyVersion(active.policy().version()).setPolicyHash(active.policyHash())
                .setModelId(engine.identity().id()).setModelDigest(engine.identity().digest())
                .setTimings(new StageTimings(ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t4 - t3),
                        Math.max(0, now.toEpochMilli() - event.getUploadedAt().toEpochMilli())))
                .setInstanceId(instanceId).setTraceId(traceId).setDecidedAt(now).build();
        String sha = sha256(bytes);
        AuditRecord audit = AuditRecord.newBuilder()
                .setEventId(event.getEventId()).setContentId(event.getContentId()).setAction(action).setRule(verdict.rule())
                .setImage(new ImageFacts(sha, (long) bytes.length, prepared.width(), prepared.height(), prepared.format(),
                        prepared.decodePath(), from))
                .setPreprocessing(preprocessing(engine.preprocess()))
                .setModelId(engine.identity().id()).setModelDigest(engine.identity().digest())
                .setExecutionProvider(engine.provider()).setLogitScale(active.logitScale())
                .setPolicyId(active.policy().id()).setPolicyVersion(active.policy().version()).setPolicyHash(active.policyHash())
                .setPromptsHash(active.promptsHash()).setPrompts(prompts(active)).setScores(scores)
                .setBatch(new BatchInfo(embedded.batchId(), embedded.batchSize(), embedded.position()))
                .setSource(source).setInstanceId(instanceId).setDecidedAt(now).build();
        List<Float> vector = new ArrayList<>(embedded.vector().length);
        for (float v : embedded.vector()) {
            vector.add(v);
        }
        EmbeddingRecord embedding = new EmbeddingRecord(event.getContentId(), vector, engine.identity().id(),
                engine.identity().digest(), sha, now);
        return new Outcome.Decided(decision, audit, embedding, shadow(set, event, verdict, embedded.vector(), now));
    }

    /** The shadow version's would-be decision beside the enforced one, or null when no shadow runs. */
    private ShadowDecision shadow(PolicySet set, ImageUploaded event, ScoringPolicy.Verdict enforced, float[] vector, Instant now) {
        if (set.shadow() == null) {
            return null;
        }
        ScoringPolicy.Verdict would = set.shadow().score(vector, event.getContentId());
        return ShadowDecision.newBuilder().setEventId(event.getEventId()).setContentId(event.getContentId())
                .setPolicyId(set.active().policy().id()).setActiveVersion(set.active().policy().version())
                .setShadowVersion(set.shadow().policy().version()).setActiveAction(Action.valueOf(enforced.action().name()))
                .setShadowAction(Action.valueOf(would.action().name())).setActiveScores(scores(enforced)).setShadowScores(scores(would))
                .setInstanceId(instanceId).setDecidedAt(now).build();
    }

    private static List<CategoryScore> scores(ScoringPolicy.Verdict verdict) {
        return verdict.scores().stream().map(s -> new CategoryScore(s.category(), s.cosine(), s.probability(), s.threshold(),
                s.triggered())).toList();
    }

    private static String missingField(ImageUploaded e) {
        if (e.getEventId() == null || e.getEventId().isBlank()) {
            return "eventId";
        }
        if (e.getContentId() == null || e.getContentId().isBlank()) {
            return "contentId";
        }
        if (e.getTenant() == null || e.getTenant().isBlank()) {
            return "tenant";
        }
        if (e.getImage() == null) {
            return "image";
        }
        return e.getImage() instanceof ImageReference r && (r.getUri() == null || r.getUri().isBlank()) ? "image.uri" : null;
    }

    private static List<CategoryPrompts> prompts(ScoringPolicy active) {
        List<CategoryPrompts> out = new ArrayList<>();
        List<List<String>> embedded = active.embeddedPrompts();
        for (int i = 0; i < active.policy().categories().size(); i++) {
            out.add(new CategoryPrompts(active.policy().categories().get(i).id(), embedded.get(i)));
        }
        out.add(new CategoryPrompts("benign", embedded.get(embedded.size() - 1)));
        return out;
    }

    private static Preprocessing preprocessing(PreprocessSpec s) {
        return new Preprocessing(s.shortestEdge(), s.cropHeight(), s.cropWidth(), floats(s.mean()), floats(s.std()),
                s.rescaleFactor(), s.resample());
    }

    private static List<Float> floats(float[] values) {
        List<Float> out = new ArrayList<>();
        for (float v : values) {
            out.add(v);
        }
        return out;
    }

    private static byte[] toArray(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
