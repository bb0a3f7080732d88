package io.clipguard.moderation.kafka;

import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.SourceHeader;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.logging.Logger;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;

/**
 * The last resort for an output the broker refused as too large. The processor measures every
 * output against its topic's limit first, so this runs only when a limit shrank under a running
 * instance (between two reads of the limits). It never answers FAIL, which would make the
 * stream thread retry the same record for ever: the upload gets a {@code RECORD_TOO_LARGE} dead
 * letter (through {@link DeadLetterChannel}, outside the transaction) and processing continues;
 * the outputs that did fit stay written beside it. It cannot fail: the dead letter is built
 * from what is at hand, and a failure to write it is logged, not thrown. Any other failure is
 * left to the uncaught exception handler.
 */
public final class OversizeHandler implements ProductionExceptionHandler {
    /** Streams config keys under which the service passes the channel and its instance id. */
    static final String CHANNEL = "clipguard.dead-letter-channel";
    static final String INSTANCE = "clipguard.instance-id";
    private static final Logger LOG = Logger.getLogger(OversizeHandler.class.getName());

    /** Where the dead letter goes (the {@link DeadLetterChannel}; tests collect them). */
    interface Sink {
        /** Sends {@code letter}, with the source and origin headers of the refused output it stands for. */
        void send(DeadLetters.Letter letter, Headers refused);
    }

    private Sink channel;
    private String instance;

    @Override
    public void configure(Map<String, ?> configs) {
        this.channel = (Sink) configs.get(CHANNEL);
        this.instance = String.valueOf(configs.get(INSTANCE));
    }

    @Override
    public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (!(exception instanceof RecordTooLargeException) || channel == null) {
            return ProductionExceptionHandlerResponse.FAIL;
        }
        try {
            channel.send(letter(context, record, exception), record.headers());
        } catch (RuntimeException e) {
            // Still CONTINUE: failing here would make the stream thread retry this record for ever.
            LOG.severe("could not write the dead letter for a refused " + record.topic() + " record: " + e);
        }
        return ProductionExceptionHandlerResponse.CONTINUE;
    }

    /**
     * The dead letter, from whatever is known: outputs are forwarded from a punctuation, where
     * the context has no source record, so the upload is found by the output's own
     * {@code clipguard-source} header and its contentId is the output's key; the original
     * bytes are added when the context has them. No required field is ever left empty.
     */
    DeadLetters.Letter letter(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        int size = length(record.key()) + length(record.value());
        SourcePosition atHand = context != null && context.topic() != null ? new SourcePosition(context.topic(), context.partition(),
                context.offset()) : null;
        SourcePosition source = SourceHeader.read(record.headers()).or(() -> java.util.Optional.ofNullable(atHand))
                .orElse(new SourcePosition("unknown", -1, -1L));
        // The context's bytes are those of the record being processed, which need not be the upload whose output was refused.
        boolean same = source.equals(atHand);
        byte[] rawKey = same ? context.sourceRawKey() : null;
        byte[] rawValue = same ? context.sourceRawValue() : null;
        String eventId = null;
        String contentId = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (rawValue != null) {
            try {
                ImageUploaded event = AvroSerde.IMAGE_UPLOADED.decode(rawValue);
                eventId = event.getEventId();
                contentId = event.getContentId();
            } catch (Exception e) {
                // the source was readable when it was processed; without it the dead letter still names its position
            }
        }
        LOG.severe("the broker refused a " + size + "-byte record for " + record.topic() + " (" + exception.getMessage() + "); the upload at "
                + source.getTopic() + "-" + source.getPartition() + "@" + source.getOffset() + " gets a dead letter");
        return DeadLetters.build(ErrorCode.RECORD_TOO_LARGE, "the broker refused the " + size + "-byte " + record.topic() + " record: "
                + exception.getMessage(), rawKey, rawValue, source, eventId, contentId, instance, Instant.now());
    }

    private static int length(byte[] b) {
        return b == null ? 0 : b.length;
    }
}
