package io.clipguard.moderation;

import io.clipguard.error.ErrorCode;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.EmbeddingRecord;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.ShadowDecision;

/** What became of one upload: a decision with its audit and embedding, or a rejection with a reason code. */
public sealed interface Outcome {

    /** Decided: the records go out together; {@code shadow} is null unless a shadow version is running. */
    record Decided(ModerationDecision decision, AuditRecord audit, EmbeddingRecord embedding, ShadowDecision shadow) implements Outcome {
    }

    /** Could not be decided: becomes a dead letter. */
    record Rejected(ErrorCode code, String message) implements Outcome {
    }
}
