package io.clipguard.clip;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.logging.Logger;

/**
 * Cross-record batching for the image tower: callers (one per stream thread) block in
 * {@link #embed} while one inference thread runs whatever arrived within {@code maxWait},
 * up to {@code maxBatch} images. Nothing is held past the caller's return, so a caller
 * that crashes loses nothing that its input position has not already accounted for: the
 * exactly-once guarantee stays with Kafka Streams.
 */
public final class EmbeddingBatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddingBatcher.class.getName());

    /** One image's embedding and the batch it ran in. */
    public record Result(float[] vector, long batchId, int batchSize, int position) {
    }

    private record Pending(float[] tensor, CompletableFuture<Result> result) {
    }

    private final ClipEngine engine;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final AtomicLongArray sizeCounts;
    private final Thread worker;
    private volatile boolean running = true;
    private long batches;

    public EmbeddingBatcher(ClipEngine engine, int maxBatch, Duration maxWait) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("max batch must be >= 1, found " + maxBatch);
        }
        this.engine = engine;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.sizeCounts = new AtomicLongArray(maxBatch + 1);
        this.worker = new Thread(this::loop, "clipguard-inference");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** Embeds one preprocessed image, waiting for its batch; {@link ClipGuardException} when inference fails. */
    public Result embed(float[] tensor) throws InterruptedException {
        if (!running) {
            throw new ClipGuardException(ErrorCode.MODEL_ERROR, "batcher is closed");
        }
        CompletableFuture<Result> result = new CompletableFuture<>();
        queue.put(new Pending(tensor, result));
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ClipGuardException m) {
                throw m;
            }
            throw new ClipGuardException(ErrorCode.MODEL_ERROR, "inference failed: " + e.getCause(), e.getCause());
        }
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

    public int maxBatch() {
        return maxBatch;
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (running) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long deadline = System.nanoTime() + maxWaitNanos;
                while (batch.size() < maxBatch) {
                    Pending next = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                run(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                batch.clear();
            }
        }
        ClipGuardException closed = new ClipGuardException(ErrorCode.MODEL_ERROR, "batcher closed");
        for (Pending p; (p = queue.poll()) != null; ) {
            p.result().completeExceptionally(closed);
        }
    }

    private void run(List<Pending> batch) {
        long id = ++batches;
        sizeCounts.incrementAndGet(batch.size());
        try {
            float[][] vectors = engine.embedImages(batch.stream().map(Pending::tensor).toList());
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(new Result(vectors[i], id, batch.size(), i));
            }
        } catch (RuntimeException e) {
            LOG.warning("batch " + id + " of " + batch.size() + " failed: " + e.getMessage());
            batch.forEach(p -> p.result().completeExceptionally(e));
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
