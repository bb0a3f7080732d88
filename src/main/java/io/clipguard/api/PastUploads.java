package io.clipguard.api;

import io.clipguard.app.ClipGuardNode;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.insight.kafka.AuditReader;
import io.clipguard.moderation.kafka.DecisionLookup;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.SourcePosition;
import java.time.Duration;

/** The image of a past decision's upload, for trying a draft on it. */
final class PastUploads {
    private static final Duration AUDIT_READ = Duration.ofSeconds(10);

    private PastUploads() {
    }

    /**
     * The image of a decided upload, read again from its source position: found through this
     * instance's decision store, or, when another instance owns the key, through the audit
     * topic's partition for it.
     */
    static byte[] image(ClipGuardNode here, String contentId) {
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
