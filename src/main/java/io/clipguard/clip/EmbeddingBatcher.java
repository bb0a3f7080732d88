package io.clipguard.clip;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntConsumer;
import java.util.logging.Logger;

/**
 * Cross-record batching for the image tower: callers {@link #submit} preprocessed images and
 * get a future; one inference thread runs whatever arrived within {@code maxWait}, up to
 * {@code maxBatch} images. Callers with many images in flight (the stream processor keeps a
 * window of them) fill whole batches, whatever the number of threads or partitions.
 *
 * <p>Faults: the inference thread survives any {@link Throwable}. A batch that fails is
 * retried image by image; an image that fails alone while a probe image succeeds is that
 * image's fault ({@code MODEL_ERROR}); when the probe fails too, the model is down: the image
 * fails with {@link ModelUnavailable} (its caller keeps it for later, it is not a dead letter),
 * {@link ModelHealth} turns unavailable, queued work fails the same way, and a probe runs every
 * {@code probeInterval} until the model answers again.
 */
public final class EmbeddingBatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddingBatcher.class.getName());

    /** What runs a batch: the engine's image tower (tests put a stand-in in front that fails on demand). */
    @FunctionalInterface
    public interface ImageModel {
        float[][] embed(List<float[]> tensors);
    }

    /**
     * One image's embedding, the batch it ran in, and what the batch's {@link BatchSearch} found
     * for it (null when no search ran: none set, it failed, or the image ran alone).
     */
    public record Result(float[] vector, long batchId, int batchSize, int position, BatchSearch.Found found) {
    }

    /** The model is down for everything, not for this image: keep the work and retry when {@link ModelHealth} says it is back. */
    public static final class ModelUnavailable extends ClipGuardException {
        public ModelUnavailable(String message) {
            super(ErrorCode.MODEL_ERROR, message);
        }
    }

    private record Pending(float[] tensor, SpanContext link, CompletableFuture<Result> result) {
    }

    private final ImageModel model;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final Duration probeInterval;
    private final ModelHealth health = new ModelHealth();
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final AtomicLongArray sizeCounts;
    private final AtomicLong failures = new AtomicLong();
    private final Thread worker;
    private volatile boolean running = true;
    private final float[] probe;
    private long batches;
    private volatile Tracer tracer = OpenTelemetry.noop().getTracer("io.clipguard");
    private volatile IntConsumer onBatch = size -> { };
    private volatile BatchSearch search;

    /**
     * @param probe an image the model is known to embed (zeros of the input size): it tells a bad
     *              image from a broken model, and a recovered model from a broken one
     */
    public EmbeddingBatcher(ImageModel model, float[] probe, int maxBatch, Duration maxWait, Duration probeInterval) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("max batch must be >= 1, found " + maxBatch);
        }
        this.model = model;
        this.probe = probe.clone();
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.probeInterval = probeInterval;
        this.sizeCounts = new AtomicLongArray(maxBatch + 1);
        this.worker = new Thread(this::loop, "clipguard-inference");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** The engine's image tower, probed every two seconds while it is down. */
    public EmbeddingBatcher(ClipEngine engine, int maxBatch, Duration maxWait) {
        this(engine::embedImages, new float[engine.preprocess().tensorSize()], maxBatch, maxWait, Duration.ofSeconds(2));
    }

    /**
     * Traces each batch as a span linked to the span of every image in it ({@link #submit(float[], SpanContext)}),
     * and tells {@code onBatch} each batch's size (metrics).
     */
    public void observe(Tracer tracer, IntConsumer onBatch) {
        this.tracer = tracer;
        this.onBatch = onBatch;
    }

    /**
     * Runs {@code search} on each batch's embeddings before the batch's results are given out.
     * A search that fails leaves the batch's results without neighbours (their callers search
     * one by one); it never fails the embeddings.
     */
    public void search(BatchSearch search) {
        this.search = search;
    }

    /** Queues one preprocessed image for the next batch. */
    public CompletableFuture<Result> submit(float[] tensor) {
        return submit(tensor, SpanContext.getInvalid());
    }

    /** The same, with the span the batch's span links to (the image's own trace). */
    public CompletableFuture<Result> submit(float[] tensor, SpanContext link) {
        CompletableFuture<Result> result = new CompletableFuture<>();
        if (!running) {
            result.completeExceptionally(new ModelUnavailable("batcher is closed"));
        } else {
            queue.add(new Pending(tensor, link, result));
        }
        return result;
    }

    /** Embeds one image and waits, at most {@code timeout}, for its batch (tools and tests). */
    public Result embed(float[] tensor, Duration timeout) throws InterruptedException {
        return embedAll(List.of(tensor), timeout).get(0);
    }

    /** Embeds an image's views together (one batch when they fit) and waits, at most {@code timeout} in all, for them. */
    public List<Result> embedAll(List<float[]> tensors, Duration timeout) throws InterruptedException {
        List<CompletableFuture<Result>> pending = tensors.stream().map(this::submit).toList();
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Result> out = new java.util.ArrayList<>(pending.size());
        try {
            for (CompletableFuture<Result> p : pending) {
                out.add(p.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
            return out;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof ClipGuardException c ? c
                    : new ClipGuardException(ErrorCode.MODEL_ERROR, "inference failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new ClipGuardException(ErrorCode.MODEL_ERROR, "inference did not answer within " + timeout.toMillis() + " ms");
        }
    }

    public Result embed(float[] tensor) throws InterruptedException {
        return embed(tensor, Duration.ofMinutes(1));
    }

    public ModelHealth health() {
        return health;
    }

    /** How many batches had each size (index = size). */
    public long[] batchSizeCounts() {
        long[] out = new long[maxBatch + 1];
        for (int i = 0; i <= maxBatch; i++) {
            out[i] = sizeCounts.get(i);
        }
        return out;
    }

    /** Mean images per batch so far. */
    public double meanBatchSize() {
        long batchesRun = 0;
        long images = 0;
        for (int i = 1; i <= maxBatch; i++) {
            batchesRun += sizeCounts.get(i);
            images += i * sizeCounts.get(i);
        }
        return batchesRun == 0 ? 0 : (double) images / batchesRun;
    }

    /** Inference runs that failed (whole batches and single images). */
    public long failures() {
        return failures.get();
    }

    public int maxBatch() {
        return maxBatch;
    }

    public int queued() {
        return queue.size();
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (running) {
            try {
                if (!health.available()) {
                    awaitRecovery();
                    continue;
                }
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                // An image whose caller gave up (its future cancelled) is not embedded.
                if (first == null || first.result().isDone()) {
                    continue;
                }
                batch.add(first);
                long deadline = System.nanoTime() + maxWaitNanos;
                while (batch.size() < maxBatch) {
                    Pending next = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    if (!next.result().isDone()) {
                        batch.add(next);
                    }
                }
                run(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Throwable t) {
                // Nothing may kill this thread: every caller waits on it.
                LOG.severe("inference loop failed: " + t);
                batch.forEach(p -> p.result().completeExceptionally(new ClipGuardException(ErrorCode.MODEL_ERROR, "inference failed: " + t)));
            } finally {
                batch.clear();
            }
        }
        ModelUnavailable closed = new ModelUnavailable("batcher closed");
        for (Pending p; (p = queue.poll()) != null; ) {
            p.result().completeExceptionally(closed);
        }
    }

    private void run(List<Pending> batch) {
        long id = ++batches;
        // One batch serves many traces: its span is a root linked to each image's span.
        SpanBuilder builder = tracer.spanBuilder("inference batch").setNoParent().setAttribute("clipguard.batch.id", id)
                .setAttribute("clipguard.batch.size", batch.size());
        batch.forEach(p -> {
            if (p.link().isValid()) {
                builder.addLink(p.link());
            }
        });
        Span span = builder.startSpan();
        float[][] vectors;
        try {
            vectors = model.embed(batch.stream().map(Pending::tensor).toList());
        } catch (Throwable t) {
            span.setStatus(StatusCode.ERROR, String.valueOf(t));
            span.end();
            failures.incrementAndGet();
            LOG.warning("batch " + id + " of " + batch.size() + " failed (" + t + "); retrying image by image");
            batch.forEach(p -> alone(p, t));
            return;
        }
        List<BatchSearch.Found> found = searched(vectors);
        span.end();
        sizeCounts.incrementAndGet(batch.size());
        onBatch.accept(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(new Result(vectors[i], id, batch.size(), i, found == null ? null : found.get(i)));
        }
    }

    /** The search's answer for a batch, or null (logged) when there is none or it failed. */
    private List<BatchSearch.Found> searched(float[][] vectors) {
        BatchSearch s = search;
        if (s == null) {
            return null;
        }
        try {
            List<BatchSearch.Found> found = s.nearest(vectors);
            return found != null && found.size() == vectors.length ? found : null;
        } catch (Throwable e) {
            // Any failure, an Error included (direct memory, a native session that could not be built): the embeddings stand.
            LOG.warning("the batch search failed (" + e + "); its uploads are searched one by one");
            return null;
        }
    }

    /** One image on its own; if it fails, a probe tells whether the image or the model is at fault. */
    private void alone(Pending p, Throwable batchFailure) {
        if (!health.available()) {
            p.result().completeExceptionally(new ModelUnavailable("model unavailable: " + health.lastFailure()));
            return;
        }
        long id = ++batches;
        try {
            float[][] v = model.embed(List.of(p.tensor()));
            sizeCounts.incrementAndGet(1);
            onBatch.accept(1);
            p.result().complete(new Result(v[0], id, 1, 0, null));
        } catch (Throwable t) {
            failures.incrementAndGet();
            String probeFailure = probeFailure();
            if (probeFailure == null) {
                p.result().completeExceptionally(new ClipGuardException(ErrorCode.MODEL_ERROR,
                        "inference failed for this image (the model answers others): " + t.getMessage(), t));
            } else {
                LOG.severe("the model fails for every image (" + probeFailure + "); pausing until it answers again");
                health.down(probeFailure);
                p.result().completeExceptionally(new ModelUnavailable("model unavailable: " + probeFailure));
            }
        }
    }

    /** Null when a probe image embeds, else why it did not. */
    private String probeFailure() {
        try {
            model.embed(List.of(probe));
            return null;
        } catch (Throwable t) {
            return String.valueOf(t.getMessage() == null ? t : t.getMessage());
        }
    }

    /** While the model is down: fail queued work as unavailable, probe, and come back when it answers. */
    private void awaitRecovery() throws InterruptedException {
        ModelUnavailable down = new ModelUnavailable("model unavailable: " + health.lastFailure());
        for (Pending p; (p = queue.poll()) != null; ) {
            p.result().completeExceptionally(down);
        }
        Thread.sleep(probeInterval.toMillis());
        String failure = probeFailure();
        if (failure == null) {
            LOG.info("the model answers again; resuming");
            health.up();
        }
    }

    @Override
    public void close() {
        running = false;
        worker.interrupt();
        try {
            worker.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
