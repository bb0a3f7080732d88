package io.clipguard.moderation.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Holds stop fetching at the next poll; a partition resumes only when neither the flow control nor Kafka Streams holds it. */
class FlowControlTest {
    static final TopicPartition P0 = new TopicPartition("uploads", 0);
    static final TopicPartition P1 = new TopicPartition("uploads", 1);

    @Test
    void aPartitionResumesOnlyWhenNeitherSideHoldsIt() {
        MockConsumer<byte[], byte[]> real = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
        real.assign(List.of(P0, P1));
        real.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        FlowControl flow = new FlowControl();
        Consumer<byte[], byte[]> consumer = flow.wrap(real);

        flow.hold(P0, true);
        consumer.poll(Duration.ZERO);
        assertThat(real.paused()).as("held at the next poll").containsExactly(P0);
        assertThat(flow.heldCount()).isEqualTo(1);

        consumer.pause(List.of(P0, P1));
        consumer.resume(List.of(P0, P1));
        assertThat(real.paused()).as("Kafka Streams cannot resume what the flow control holds").containsExactly(P0);

        consumer.pause(List.of(P0));
        flow.hold(P0, false);
        consumer.poll(Duration.ZERO);
        assertThat(real.paused()).as("let go here, still paused by Kafka Streams").containsExactly(P0);
        consumer.resume(List.of(P0));
        assertThat(real.paused()).isEmpty();
    }
}
