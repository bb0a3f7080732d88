package io.clipguard.api;

import io.clipguard.app.ClipGuardNode;
import io.clipguard.bank.Banks;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.image.ImagePipeline;
import io.clipguard.insight.kafka.AuditReader;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.moderation.kafka.DecisionLookup;
import io.clipguard.pdq.PdqHasher;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.SourcePosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An image a draft is tried on, read as an upload is (the same decode limits, every view, its
 * PDQ hashes) and embedded once by the loaded model, so a draft and the active version are
 * scored from the same vectors and matched against the same banks, as the pipeline would.
 */
record TrialImage(List<float[]> views, List<PdqHasher.Result> hashes, String contentId, Banks banks, String modelDigest) {
    private static final Duration AUDIT_READ = Duration.ofSeconds(10);

    /** Prepares and embeds {@code bytes}; {@code contentId} (null for a sent image) drives the policy's review samples as it would have. */
    static TrialImage of(ModerationRuntime runtime, byte[] bytes, String contentId) throws InterruptedException {
        ImagePipeline.Prepared prepared = runtime.prepare(bytes);
        List<float[]> views = new ArrayList<>();
        for (float[] tensor : prepared.tensors()) {
            views.add(runtime.embed(tensor));
        }
        return new TrialImage(views, prepared.hashes(), contentId, runtime.banks(), runtime.engine().identity().digest());
    }

    /** What {@code scoring} decides for this image, banks included. */
    ScoringPolicy.Verdict verdict(ScoringPolicy scoring) {
        return scoring.score(views, contentId, banks.match(scoring.policy(), hashes, views, modelDigest)).verdict();
    }

    /**
     * The image of a decided upload, read again from its source position: found through this
     * instance's decision store, or, when another instance owns the key, through the audit
     * topic's partition for it.
     */
    static byte[] pastUpload(ClipGuardNode here, String contentId) {
        DecisionLookup.Result found = here.service().lookup(contentId);
        AuditRecord audit;
        if (found instanceof DecisionLookup.Result.Found f) {
            audit = f.decision().getAudit();
        } else if (found instanceof DecisionLookup.Result.NotReady n) {
            throw new ClipGuardException(ErrorCode.STORE_NOT_READY, n.reason());
        } else if (found instanceof DecisionLookup.Result.Elsewhere) {
            audit = AuditReader.latest(here.clients(), here.topics(), contentId, AUDIT_READ).orElseThrow(() -> notFound(contentId));
        } else {
            throw notFound(contentId);
        }
        SourcePosition source = audit.getSource();
        return here.thumbnails().image(contentId, source.getPartition(), source.getOffset()).orElseThrow(() -> new ClipGuardException(
                ErrorCode.SOURCE_GONE, "the upload of '" + contentId + "' is no longer on " + source.getTopic() + " (retention)"));
    }

    private static ClipGuardException notFound(String contentId) {
        return new ClipGuardException(ErrorCode.DECISION_NOT_FOUND, "no decision for contentId '" + contentId + "'");
    }
}
