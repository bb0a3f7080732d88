package io.clipguard.api;

import io.clipguard.app.ClipGuardNode;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.moderation.kafka.DecisionLookup;
import io.clipguard.schema.SourcePosition;

/** The image of a past decision's upload, for trying a draft on it (the try runs where the decision store holds it). */
final class PastUploads {
    private PastUploads() {
    }

    /** The image of the upload this instance decided as {@code found}, read again from its source position. */
    static byte[] image(ClipGuardNode here, String contentId, DecisionLookup.Result found) {
        if (found instanceof DecisionLookup.Result.NotReady n) {
            throw new ClipGuardException(ErrorCode.STORE_NOT_READY, n.reason());
        }
        if (!(found instanceof DecisionLookup.Result.Found f)) {
            throw notFound(contentId);
        }
        SourcePosition source = f.decision().getAudit().getSource();
        return here.thumbnails().image(contentId, source.getPartition(), source.getOffset()).orElseThrow(() -> new ClipGuardException(
                ErrorCode.SOURCE_GONE, "the upload of '" + contentId + "' is no longer on " + source.getTopic() + " (retention)"));
    }

    private static ClipGuardException notFound(String contentId) {
        return new ClipGuardException(ErrorCode.DECISION_NOT_FOUND, "no decision for contentId '" + contentId + "'");
    }
}
