package io.clipguard.moderation.kafka;

import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.SourcePosition;
import java.time.Instant;
import java.util.Map;
import java.util.logging.Logger;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;

/**
 * The last resort for an output the broker refused as too large. The processor measures every
 * output against its topic's limit first, so this runs only when a limit shrank under a running
 * instance (between two reads of the limits). It never answers FAIL, which would make the
 * stream thread retry the same record for ever: the upload gets a {@code RECORD_TOO_LARGE} dead
 * letter (through {@link DeadLetterChannel}, outside the transaction) and processing continues;
 * the outputs that did fit stay written beside it. Any other failure is left to the uncaught
 * exception handler.
 */
public final class OversizeHandler implements ProductionExceptionHandler {
    /** Streams config keys under which the service passes the channel and its instance id. */
    static final String CHANNEL = "clipguard.dead-letter-channel";
    static final String INSTANCE = "clipguard.instance-id";
    private static final Logger LOG = Logger.getLogger(OversizeHandler.class.getName());

    private DeadLetterChannel channel;
    private String instance;

    @Override
    public void configure(Map<String, ?> configs) {
        this.channel = (DeadLetterChannel) configs.get(CHANNEL);
        this.instance = String.valueOf(configs.get(INSTANCE));
    }

    @Override
    public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (!(exception instanceof RecordTooLargeException) || channel == null) {
            return ProductionExceptionHandlerResponse.FAIL;
        }
        int size = (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
        LOG.severe("the broker refused a " + size + "-byte record for " + record.topic() + " (" + exception.getMessage()
                + "); the upload at " + context.topic() + "-" + context.partition() + "@" + context.offset() + " gets a dead letter");
        String eventId = null;
        String contentId = null;
        try {
            ImageUploaded event = AvroSerde.IMAGE_UPLOADED.decode(context.sourceRawValue());
            eventId = event.getEventId();
            contentId = event.getContentId();
        } catch (Exception e) {
            // the source was readable when it was processed; without it the dead letter still names its position
        }
        channel.send(DeadLetters.build(ErrorCode.RECORD_TOO_LARGE, "the broker refused the " + size + "-byte " + record.topic()
                + " record: " + exception.getMessage(), context.sourceRawKey(), context.sourceRawValue(),
                new SourcePosition(context.topic(), context.partition(), context.offset()), eventId, contentId, instance, Instant.now()));
        return ProductionExceptionHandlerResponse.CONTINUE;
    }
}
