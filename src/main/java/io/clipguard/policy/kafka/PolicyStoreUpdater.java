package io.clipguard.policy.kafka;

import io.clipguard.kafka.AvroSerde;
import io.clipguard.moderation.kafka.ModerationTopology;
import io.clipguard.policy.catalog.PolicyCatalog;
import io.clipguard.policy.catalog.PolicyListener;
import io.clipguard.schema.PolicyEntry;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the global policy store on every instance and tells the listener after each
 * change (and once at start, after the store is restored). Values arrive as bytes and are
 * decoded here: an unreadable record is logged and skipped, so bad data never stops the
 * global thread.
 */
public final class PolicyStoreUpdater implements Processor<String, byte[], Void, Void> {
    private static final Logger LOG = Logger.getLogger(PolicyStoreUpdater.class.getName());

    private final PolicyListener listener;
    private KeyValueStore<String, PolicyEntry> store;

    public PolicyStoreUpdater(PolicyListener listener) {
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(ModerationTopology.POLICY_STORE);
        listener.policiesChanged(snapshot());
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.key() == null) {
            LOG.warning("skipping a policy record without a key");
            return;
        }
        if (record.value() == null) {
            store.delete(record.key());
        } else {
            try {
                store.put(record.key(), AvroSerde.POLICY_ENTRY.decode(record.value()));
            } catch (Exception e) {
                LOG.warning("skipping unreadable policy record " + record.key() + ": " + e);
                return;
            }
        }
        listener.policiesChanged(snapshot());
    }

    private PolicyCatalog snapshot() {
        Map<String, PolicyEntry> all = new HashMap<>();
        try (KeyValueIterator<String, PolicyEntry> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, PolicyEntry> kv = it.next();
                all.put(kv.key, kv.value);
            }
        }
        return PolicyCatalog.of(all);
    }
}
