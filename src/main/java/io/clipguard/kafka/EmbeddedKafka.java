package io.clipguard.kafka;

import java.util.logging.Logger;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node KRaft Kafka (one combined broker and controller) in this JVM, from Kafka's
 * own test kit at the BOM's Kafka version: the embedded default of {@code demo}, of
 * {@code serve} without {@code KAFKA_BOOTSTRAP_SERVERS}, and of the tests. Listens on an
 * ephemeral loopback port; its data lives in a temporary folder removed on close.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddedKafka.class.getName());

    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafka start() {
        try {
            // The test kit defaults to the newest *testing* metadata version (unreleased features); a
            // default that people run must use the latest production one.
            TestKitNodes nodes = new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1)
                    .setBootstrapMetadataVersion(MetadataVersion.LATEST_PRODUCTION).build();
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "6")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("transaction.state.log.num.partitions", "6")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("auto.create.topics.enable", "false")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            LOG.info("embedded Kafka (KRaft) at " + cluster.bootstrapServers());
            return new EmbeddedKafka(cluster);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the embedded broker", e);
        } catch (Exception e) {
            throw new IllegalStateException("embedded broker failed to start: " + e.getMessage(), e);
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            LOG.warning("closing the embedded broker: " + e.getMessage());
        }
    }
}
