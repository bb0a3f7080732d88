package io.clipguard.policy.catalog;

import io.clipguard.schema.PolicyChange;
import io.clipguard.schema.PolicyEntry;
import java.util.Map;

/** Writes catalog entries and their change record atomically (one Kafka transaction). */
@FunctionalInterface
public interface PolicyPublisher {
    void write(Map<String, PolicyEntry> entries, PolicyChange change);
}
