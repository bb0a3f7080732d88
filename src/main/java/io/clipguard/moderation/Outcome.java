package io.clipguard.moderation;

import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.EmbeddingRecord;
import io.clipguard.schema.ModerationDecision;

/** What became of one upload: a decision with its audit and embedding, or a rejection with a reason code. */
public sealed interface Outcome {

    /** Decided: all three records go out together. */
    record Decided(ModerationDecision decision, AuditRecord audit, EmbeddingRecord embedding) implements Outcome {
    }

    /** Could not be decided: becomes a dead letter. */
    record Rejected(String code, String message) implements Outcome {
    }
}
