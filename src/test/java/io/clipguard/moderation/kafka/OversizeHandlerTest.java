package io.clipguard.moderation.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.SourceHeader;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.SourcePosition;
import io.clipguard.testing.Uploads;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.ProductionExceptionHandlerResponse;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

/**
 * The last resort when the broker refuses an output: for every kind of output, forwarded from
 * a punctuation (no source record in the context) or from processing, it answers CONTINUE with
 * a dead letter that names the upload and has every required field, and it still answers
 * CONTINUE when even the dead letter cannot be written.
 */
class OversizeHandlerTest {
    static final List<String> OUTPUTS = List.of("moderation.decisions", "moderation.audit", "moderation.embeddings", "moderation.shadow",
            "clipguard-latest-decisions-changelog", "moderation.dead-letters");

    static OversizeHandler handler(OversizeHandler.Sink sink) {
        OversizeHandler h = new OversizeHandler();
        h.configure(Map.of(OversizeHandler.CHANNEL, sink, OversizeHandler.INSTANCE, "i-1"));
        return h;
    }

    static ErrorHandlerContext context(String topic, byte[] key, byte[] value) {
        return context(topic, topic == null ? -1 : 3, topic == null ? -1 : 41, key, value);
    }

    /** The context of a production error while the record at {@code topic}/{@code partition}@{@code offset} is processed. */
    static ErrorHandlerContext context(String topic, int partition, long offset, byte[] key, byte[] value) {
        return new ErrorHandlerContext() {
            public String topic() {
                return topic;
            }

            public int partition() {
                return partition;
            }

            public long offset() {
                return offset;
            }

            public Headers headers() {
                return new RecordHeaders();
            }

            public String processorNodeId() {
                return null;
            }

            public TaskId taskId() {
                return new TaskId(0, 3);
            }

            public long timestamp() {
                return 0;
            }

            public byte[] sourceRawKey() {
                return key;
            }

            public byte[] sourceRawValue() {
                return value;
            }
        };
    }

    static ProducerRecord<byte[], byte[]> output(String topic) {
        Headers headers = new RecordHeaders();
        SourceHeader.write(headers, new SourcePosition("moderation.uploaded", 3, 41L));
        return new ProducerRecord<>(topic, null, "c-7".getBytes(StandardCharsets.UTF_8), new byte[2 << 20], headers);
    }

    @Test
    void everyRefusedOutputGetsACompleteDeadLetterFromAPunctuationOrFromProcessing() throws Exception {
        byte[] upload = AvroSerde.IMAGE_UPLOADED.encode(Uploads.inline("c-7", new byte[] {1, 2, 3}));
        // From a punctuation (no record at hand), and while processing the very upload whose output was refused.
        for (ErrorHandlerContext ctx : List.of(context(null, null, null), context("moderation.uploaded", "c-7".getBytes(), upload))) {
            for (String topic : OUTPUTS) {
                List<DeadLetters.Letter> sent = new ArrayList<>();
                assertThat(handler((l, h) -> sent.add(l)).handle(ctx, output(topic), new RecordTooLargeException("too large")))
                        .isEqualTo(ProductionExceptionHandlerResponse.CONTINUE);
                assertThat(sent).hasSize(1);
                DeadLetter letter = AvroSerde.DEAD_LETTER.decode(AvroSerde.DEAD_LETTER.encode(sent.get(0).value()));
                assertThat(letter.getReasonCode()).isEqualTo("RECORD_TOO_LARGE");
                assertThat(letter.getSourceTopic()).isEqualTo("moderation.uploaded");
                assertThat(letter.getSourcePartition()).isEqualTo(3);
                assertThat(letter.getSourceOffset()).isEqualTo(41L);
                assertThat(letter.getContentId()).isEqualTo("c-7");
                assertThat(letter.getMessage()).contains(topic);
                assertThat(sent.get(0).key()).isEqualTo("c-7");
                assertThat(letter.getOriginalValue() != null).as("original bytes when the context has them").isEqualTo(ctx.topic() != null);
            }
        }
    }

    @Test
    void whileAnotherUploadIsProcessedItsBytesAreNotTakenForTheRefusedOnes() {
        byte[] other = AvroSerde.IMAGE_UPLOADED.encode(Uploads.inline("someone-else", new byte[] {9}));
        ErrorHandlerContext processingAnother = context("moderation.uploaded", 3, 99, "someone-else".getBytes(), other);
        List<DeadLetters.Letter> sent = new ArrayList<>();
        handler((l, h) -> sent.add(l)).handle(processingAnother, output("moderation.audit"), new RecordTooLargeException("x"));
        DeadLetter letter = sent.get(0).value();
        assertThat(letter.getSourceOffset()).isEqualTo(41L);
        assertThat(letter.getContentId()).isEqualTo("c-7");
        assertThat(letter.getOriginalValue()).as("not the other upload's bytes").isNull();
    }

    @Test
    void withoutItsSourceHeaderTheLetterStillHasEveryRequiredField() {
        List<DeadLetters.Letter> sent = new ArrayList<>();
        ProducerRecord<byte[], byte[]> bare = new ProducerRecord<>("moderation.audit", null, null, new byte[10]);
        assertThat(handler((l, h) -> sent.add(l)).handle(context(null, null, null), bare, new RecordTooLargeException("x")))
                .isEqualTo(ProductionExceptionHandlerResponse.CONTINUE);
        DeadLetter letter = sent.get(0).value();
        assertThat(AvroSerde.DEAD_LETTER.encode(letter)).isNotEmpty();
        assertThat(letter.getSourceTopic()).isEqualTo("unknown");
    }

    @Test
    void aDeadLetterThatCannotBeWrittenStillLetsTheStreamContinue() {
        OversizeHandler failing = handler((letter, headers) -> {
            throw new IllegalStateException("broker gone");
        });
        assertThat(failing.handle(context(null, null, null), output("moderation.decisions"), new RecordTooLargeException("x")))
                .isEqualTo(ProductionExceptionHandlerResponse.CONTINUE);
        assertThat(handler((l, h) -> { }).handle(context(null, null, null), output("moderation.decisions"), new IllegalStateException("other")))
                .as("other failures are the uncaught handler's").isEqualTo(ProductionExceptionHandlerResponse.FAIL);
    }
}
