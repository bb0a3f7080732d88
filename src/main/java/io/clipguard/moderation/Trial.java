package io.clipguard.moderation;

import io.clipguard.bank.Banks;
import io.clipguard.clip.EmbeddingBatcher;
import io.clipguard.image.ImagePipeline;
import io.clipguard.pdq.PdqHasher;
import io.clipguard.policy.ScoringPolicy;
import java.time.Duration;
import java.util.List;

/**
 * An image that policies not (or not yet) enforced are tried on, read as an upload is (the
 * same decode limits, every view, its PDQ hashes) and embedded once by the loaded model, so a
 * draft and the active version are scored from the same vectors and matched against the same
 * banks, as the pipeline would score them.
 */
public record Trial(List<float[]> views, List<PdqHasher.Result> hashes, String contentId, Banks banks, String modelDigest) {
    private static final Duration EMBED_WAIT = Duration.ofMinutes(1);

    /** Prepares and embeds {@code bytes}; {@code contentId} (null for a sent image) drives the policy's review samples as it would have. */
    public static Trial of(ModerationRuntime runtime, byte[] bytes, String contentId) throws InterruptedException {
        ImagePipeline.Prepared prepared = runtime.prepare(bytes);
        List<float[]> views = runtime.batcher().embedAll(prepared.tensors(), EMBED_WAIT).stream().map(EmbeddingBatcher.Result::vector).toList();
        return new Trial(views, prepared.hashes(), contentId, runtime.banks(), runtime.engine().identity().digest());
    }

    /** What {@code scoring} decides for this image, banks included. */
    public ScoringPolicy.Verdict verdict(ScoringPolicy scoring) {
        return scoring.score(views, contentId, banks.match(scoring.policy(), hashes, views, modelDigest)).verdict();
    }
}
