package io.clipguard.moderation;

import io.clipguard.bank.Banks;
import io.clipguard.clip.BatchSearch;
import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EmbeddingBatcher;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.fetch.ImageFetcher;
import io.clipguard.image.ImagePipeline;
import io.clipguard.image.PreprocessSpec;
import io.clipguard.pdq.PdqHasher;
import io.clipguard.policy.BankHit;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicySet;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.schema.Action;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.BankMatch;
import io.clipguard.schema.BatchInfo;
import io.clipguard.schema.CategoryScore;
import io.clipguard.schema.EmbeddingRecord;
import io.clipguard.schema.ImageFacts;
import io.clipguard.schema.ImageReference;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.InlineImage;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.Preprocessing;
import io.clipguard.schema.ReviewSelection;
import io.clipguard.schema.RuntimeFacts;
import io.clipguard.schema.ShadowDecision;
import io.clipguard.schema.SourcePosition;
import io.clipguard.schema.StageTimings;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * One upload from event to outcome: read the image (inline or fetched), decode and
 * preprocess (on the prepare pool, within the image's CPU deadline), embed in a shared batch,
 * score against the active policy, and build the decision, audit and embedding records.
 * Knows nothing of Kafka; every failure becomes an {@link Outcome.Rejected} with a stable
 * code, except a model that is down for everything: then the future fails with
 * {@link EmbeddingBatcher.ModelUnavailable} and the caller keeps the upload for later.
 */
public final class Moderator {
    private final ClipEngine engine;
    private final EmbeddingBatcher batcher;
    private final ImagePipeline pipeline;
    private final ImageFetcher fetcher;
    /** The policies that decide a tenant's uploads. */
    private final Function<String, PolicySet> policies;
    private final String instanceId;
    private final Clock clock;
    private final Executor prepare;
    private final Tracer tracer;
    private final RuntimeFacts runtime;
    private final Banks banks;

    public Moderator(ClipEngine engine, EmbeddingBatcher batcher, ImagePipeline pipeline, ImageFetcher fetcher,
                     Function<String, PolicySet> policies, String instanceId, Clock clock, Executor prepare, Tracer tracer, Banks banks) {
        this.engine = engine;
        this.batcher = batcher;
        this.pipeline = pipeline;
        this.fetcher = fetcher;
        this.policies = policies;
        this.instanceId = instanceId;
        this.clock = clock;
        this.prepare = prepare;
        this.tracer = tracer;
        this.banks = banks;
        this.runtime = new RuntimeFacts(engine.runtimeVersion(), engine.provider(), engine.options().intraOpThreads(),
                engine.optimization(), pipeline.reducedDecode(), System.getProperty("java.version"), System.getProperty("os.arch"));
    }

    public String instanceId() {
        return instanceId;
    }

    /**
     * The immediate answer for an event with a field missing or over its cap; empty when it can
     * be moderated. Run once, where the event is decoded, before {@link #moderate}.
     */
    public static Optional<Outcome.Rejected> check(ImageUploaded event) {
        String missing = missingField(event);
        if (missing != null) {
            return Optional.of(new Outcome.Rejected(ErrorCode.FIELD_MISSING, "required field '" + missing + "' is empty"));
        }
        return Optional.ofNullable(EventLimits.overCap(event)).map(over -> new Outcome.Rejected(ErrorCode.FIELD_TOO_LARGE, over));
    }

    /**
     * Moderates an event that passed {@link #check} asynchronously: never blocks the caller.
     * Each stage is a span under {@code trace} (the upload's span): fetch, decode, embed
     * (linked from the batch's span) and score; the decision and audit name the trace.
     */
    public CompletableFuture<Outcome> moderate(ImageUploaded event, SourcePosition source, Context trace) {
        return attempt(event, source, trace).outcome();
    }

    /**
     * One attempt at an upload that can be called off: {@link #cancel} stops it at its next
     * stage (a decode already running ends within its CPU deadline; images waiting for a batch
     * leave the queue), and {@link #outcome} then fails with a {@link CancellationException}.
     * {@code outcome} completes only when the attempt's work has stopped, so a caller that waits
     * for it before trying again never has the same upload prepared twice at once.
     */
    public static final class Attempt {
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final List<CompletableFuture<?>> embeds = new CopyOnWriteArrayList<>();
        private CompletableFuture<Outcome> outcome;

        public CompletableFuture<Outcome> outcome() {
            return outcome;
        }

        public void cancel() {
            cancelled.set(true);
            embeds.forEach(f -> f.cancel(false));
        }

        public boolean cancelled() {
            return cancelled.get();
        }

        private void checkNotCancelled() {
            if (cancelled.get()) {
                throw new CancellationException("attempt called off");
            }
        }
    }

    /** The same as {@link #moderate}, as an {@link Attempt} that can be called off. */
    public Attempt attempt(ImageUploaded event, SourcePosition source, Context trace) {
        long received = System.nanoTime();
        Attempt attempt = new Attempt();
        attempt.outcome = CompletableFuture.supplyAsync(() -> {
            attempt.checkNotCancelled();
            return prepare(event, received, trace);
        }, prepare).thenCompose(prepared -> {
            if (prepared instanceof Prepared.Refused refused) {
                return CompletableFuture.completedFuture((Outcome) refused.why());
            }
            attempt.checkNotCancelled();
            Prepared.Ready p = (Prepared.Ready) prepared;
            Span embed = tracer.spanBuilder("embed").setParent(trace).startSpan();
            embed.setAttribute("clipguard.views", p.image().tensors().size());
            List<CompletableFuture<EmbeddingBatcher.Result>> views = p.image().tensors().stream()
                    .map(t -> batcher.submit(t, embed.getSpanContext())).toList();
            attempt.embeds.addAll(views);
            if (attempt.cancelled()) {
                views.forEach(f -> f.cancel(false));
            }
            return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new)).handleAsync((ignored, failure) -> {
                if (failure != null) {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                    if (cause instanceof CancellationException called) {
                        end(embed, null, null);
                        throw called;
                    }
                    end(embed, cause instanceof EmbeddingBatcher.ModelUnavailable ? null : ErrorCode.MODEL_ERROR, cause.getMessage());
                    if (cause instanceof EmbeddingBatcher.ModelUnavailable down) {
                        throw down;
                    }
                    return (Outcome) new Outcome.Rejected(ErrorCode.MODEL_ERROR, String.valueOf(cause.getMessage()));
                }
                List<EmbeddingBatcher.Result> embedded = views.stream().map(CompletableFuture::join).toList();
                embed.setAttribute("clipguard.batch.id", embedded.get(0).batchId());
                embed.setAttribute("clipguard.batch.size", embedded.get(0).batchSize());
                embed.end();
                Span score = tracer.spanBuilder("score").setParent(trace).startSpan();
                try {
                    return decide(event, source, p, embedded, trace);
                } finally {
                    score.end();
                }
            }, prepare);
        });
        return attempt;
    }

    /** The image read and prepared, with stage times in nanoseconds; or why it could not be. */
    private sealed interface Prepared {
        record Ready(ImagePipeline.Prepared image, String sha256, long bytes, String from, long fetchNanos, long decodeNanos,
                     long startNanos) implements Prepared {
        }

        record Refused(Outcome.Rejected why) implements Prepared {
            static Refused of(ClipGuardException e) {
                return new Refused(new Outcome.Rejected(e.code(), e.getMessage()));
            }
        }
    }

    private Prepared prepare(ImageUploaded event, long received, Context trace) {
        long t0 = System.nanoTime();
        byte[] bytes;
        String from;
        Span fetch = tracer.spanBuilder("fetch").setParent(trace).startSpan();
        try {
            from = event.getImage() instanceof ImageReference r ? r.getUri() : "inline";
            bytes = imageBytes(event, fetcher);
            fetch.setAttribute("clipguard.image.source", from.equals("inline") ? "inline" : "uri");
            fetch.setAttribute("clipguard.image.bytes", bytes.length);
            fetch.end();
        } catch (ClipGuardException e) {
            end(fetch, e.code(), e.getMessage());
            return Prepared.Refused.of(e);
        }
        long t1 = System.nanoTime();
        ImagePipeline.Prepared image;
        Span decode = tracer.spanBuilder("decode").setParent(trace).startSpan();
        try {
            image = pipeline.prepare(bytes);
            decode.setAttribute("clipguard.image.format", image.format());
            decode.end();
        } catch (ClipGuardException e) {
            end(decode, e.code(), e.getMessage());
            return Prepared.Refused.of(e);
        } catch (RuntimeException e) {
            end(decode, ErrorCode.INTERNAL_ERROR, e.toString());
            return new Prepared.Refused(new Outcome.Rejected(ErrorCode.INTERNAL_ERROR, "image pipeline failed: " + e));
        }
        long t2 = System.nanoTime();
        return new Prepared.Ready(image, sha256(bytes), bytes.length, from, t1 - t0, t2 - t1, received);
    }

    /** Ends a span that failed: error status and the reason code, as the dead letter will carry it. */
    private static void end(Span span, ErrorCode code, String message) {
        if (code != null) {
            span.setStatus(StatusCode.ERROR, message == null ? code.name() : message);
            span.setAttribute("clipguard.reason", code.name());
        }
        span.end();
    }

    private Outcome decide(ImageUploaded event, SourcePosition source, Prepared.Ready p, List<EmbeddingBatcher.Result> views, Context trace) {
        SpanContext span = Span.fromContext(trace).getSpanContext();
        String traceId = span.isValid() ? span.getTraceId() : null;
        long t3 = System.nanoTime();
        PolicySet set = policies.apply(event.getTenant());
        ScoringPolicy active = set.active();
        List<float[]> vectors = views.stream().map(EmbeddingBatcher.Result::vector).toList();
        List<BatchSearch.Found> neighbours = views.stream().map(EmbeddingBatcher.Result::found).toList();
        List<BankHit> hits = banks.match(active.policy(), p.image().hashes(), vectors, engine.identity().digest(), neighbours);
        ScoringPolicy.Viewed viewed = active.score(vectors, event.getContentId(), hits);
        ScoringPolicy.Verdict verdict = viewed.verdict();
        EmbeddingBatcher.Result embedded = views.get(viewed.decisive());
        PdqHasher.Result pdq = p.image().hashes().get(0);
        long t4 = System.nanoTime();
        long embedNanos = t3 - p.startNanos() - p.fetchNanos() - p.decodeNanos();

        Instant now = clock.instant();
        List<CategoryScore> scores = scores(verdict);
        Action action = Action.valueOf(verdict.action().name());
        ModerationDecision decision = ModerationDecision.newBuilder()
                .setEventId(event.getEventId()).setContentId(event.getContentId()).setTenant(event.getTenant())
                .setAction(action).setTriggeringCategory(verdict.triggeringCategory()).setScores(scores)
                .setPolicyId(active.policy().id()).setPolicyVersion(active.policy().version()).setPolicyHash(active.policyHash())
                .setModelId(engine.identity().id()).setModelDigest(engine.identity().digest())
                .setTimings(new StageTimings(ms(p.fetchNanos()), ms(p.decodeNanos()), ms(embedNanos), ms(t4 - t3),
                        Math.max(0, now.toEpochMilli() - event.getUploadedAt().toEpochMilli())))
                .setInstanceId(instanceId).setReview(review(verdict.review())).setTraceId(traceId).setDecidedAt(now)
                .setBankMatches(bankMatches(hits)).build();
        AuditRecord audit = AuditRecord.newBuilder()
                .setEventId(event.getEventId()).setContentId(event.getContentId()).setAction(action).setRule(verdict.rule())
                .setImage(new ImageFacts(p.sha256(), p.bytes(), p.image().width(), p.image().height(), p.image().format(),
                        p.image().decodePath(), p.from()))
                .setPreprocessing(preprocessing(engine.preprocess()))
                .setModelId(engine.identity().id()).setModelDigest(engine.identity().digest())
                .setExecutionProvider(engine.provider()).setLogitScale(active.logitScale()).setLogitScaleSource(engine.logitScaleSource())
                .setPolicyId(active.policy().id()).setPolicyVersion(active.policy().version()).setPolicyHash(active.policyHash())
                .setPromptsHash(active.promptsHash()).setPrompts(List.of()).setScores(scores)
                .setBatch(new BatchInfo(embedded.batchId(), embedded.batchSize(), embedded.position()))
                .setSource(source).setInstanceId(instanceId).setDecidedAt(now).setRuntime(runtime).setTraceId(traceId)
                .setView(p.image().views().get(viewed.decisive())).setViews(views.size()).setFrames(p.image().frames())
                .setPdq(pdq.hash().toString()).setPdqQuality(pdq.quality()).setBankMatches(bankMatches(hits)).build();
        List<Float> vector = new ArrayList<>(embedded.vector().length);
        for (float v : embedded.vector()) {
            vector.add(v);
        }
        EmbeddingRecord embedding = new EmbeddingRecord(event.getContentId(), vector, engine.identity().id(),
                engine.identity().digest(), p.sha256(), now, pdq.hash().toString(), event.getTenant());
        return new Outcome.Decided(decision, audit, embedding, shadow(set, event, verdict, vectors, neighbours, p.image().hashes(), now));
    }

    /** The shadow version's would-be decision beside the enforced one, or null when no shadow runs. */
    private ShadowDecision shadow(PolicySet set, ImageUploaded event, ScoringPolicy.Verdict enforced, List<float[]> vectors,
                                  List<BatchSearch.Found> neighbours, List<PdqHasher.Result> hashes, Instant now) {
        if (set.shadow() == null) {
            return null;
        }
        List<BankHit> hits = banks.match(set.shadow().policy(), hashes, vectors, engine.identity().digest(), neighbours);
        ScoringPolicy.Verdict would = set.shadow().score(vectors, event.getContentId(), hits).verdict();
        return ShadowDecision.newBuilder().setEventId(event.getEventId()).setContentId(event.getContentId())
                .setPolicyId(set.active().policy().id()).setActiveVersion(set.active().policy().version())
                .setShadowVersion(set.shadow().policy().version()).setActiveAction(Action.valueOf(enforced.action().name()))
                .setShadowAction(Action.valueOf(would.action().name())).setActiveScores(scores(enforced)).setShadowScores(scores(would))
                .setInstanceId(instanceId).setDecidedAt(now).build();
    }

    /** The matches as the decision and audit record carry them. */
    private static List<BankMatch> bankMatches(List<BankHit> hits) {
        return hits.stream().map(h -> {
            boolean pdq = h.bank().kind() == Policy.BankKind.PDQ;
            return BankMatch.newBuilder().setBank(h.bank().id()).setEntry(h.entry()).setKind(pdq ? "pdq" : "embedding")
                    .setDistance(pdq ? h.distance() : null).setMaxDistance(pdq ? h.bank().maxDistance() : null)
                    .setSimilarity(pdq ? null : h.similarity()).setMinSimilarity(pdq ? null : h.bank().minSimilarity())
                    .setVariant(h.variant()).setView(h.view()).setNegative(h.bank().negative()).build();
        }).toList();
    }

    private static ReviewSelection review(ScoringPolicy.Review review) {
        return review == null ? null : new ReviewSelection(review.reason().name(), review.probability());
    }

    private static List<CategoryScore> scores(ScoringPolicy.Verdict verdict) {
        return verdict.scores().stream().map(s -> new CategoryScore(s.category(), s.cosine(), s.probability(), s.threshold(),
                s.triggered(), Double.isNaN(s.margin()) ? null : s.margin(), s.calibrated())).toList();
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

    /** An upload's image: its inline bytes, or fetched from its URI under {@code fetcher}'s allow-list and limits. */
    public static byte[] imageBytes(ImageUploaded event, ImageFetcher fetcher) {
        return event.getImage() instanceof InlineImage inline ? toArray(inline.getBytes()) : fetcher.fetch(((ImageReference) event.getImage()).getUri());
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
