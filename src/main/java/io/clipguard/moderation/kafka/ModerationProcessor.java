package io.clipguard.moderation.kafka;

import io.clipguard.clip.EmbeddingBatcher;
import io.clipguard.clip.ModelHealth;
import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.SourceHeader;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.kafka.TraceHeaders;
import io.clipguard.moderation.EventLimits;
import io.clipguard.moderation.Moderator;
import io.clipguard.moderation.Outcome;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.SourcePosition;
import io.clipguard.schema.StoredDecision;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.MissingSchemaException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns each upload record into exactly one decision (with its audit and embedding, and the
 * latest-decision store entry) or exactly one dead letter, with many uploads of a partition in
 * flight at once so that inference batches fill whatever the number of threads.
 *
 * <p>How exactly-once holds with work in flight: {@code process()} decodes the record, puts its
 * offset in the changelogged {@code pending} store and starts moderating it; a wall-clock
 * punctuator forwards each finished upload's outputs and deletes its pending entry, in the same
 * transaction. A transaction that commits therefore carries, for every upload, either its
 * outputs or its pending entry (or neither, when its input offset is not committed yet). After
 * a crash or a rebalance the pending store is restored, the uploads it names are read again
 * from the uploads topic ({@link SourceReader}) and finished.
 *
 * <p>Flow control without waiting: {@code process()} never blocks (a stream thread that waits
 * holds its transaction open, and past the transaction timeout its producer is fenced and all
 * work in flight is done again). An upload taken in starts when the instance's
 * {@link AdaptiveWindow} has room, else waits in this task, and while anything waits the
 * task's partition is held ({@link FlowControl}): its consumer fetches no more until the
 * window drains. An upload past its deadline is called off (its attempt stops at its next
 * stage, and is never run twice at once) and runs again, up to a number of attempts, after
 * which it is a {@code MODERATION_TIMEOUT} dead letter.
 *
 * <p>Bad bytes are caught here, where they are decoded, and become dead letters; every output
 * is encoded and measured before it is forwarded ({@link OutputLimits}), so nothing this
 * processor sends is refused by the broker. A model that is down for everything parks uploads
 * (they stay pending) until it answers again.
 */
final class ModerationProcessor implements Processor<byte[], byte[], String, byte[]> {
    private static final Logger LOG = Logger.getLogger(ModerationProcessor.class.getName());

    /** One upload record in this processor's hands: from the moment it is read (event null until decoded) to its output. */
    private static final class InFlight {
        final SourcePosition source;
        final byte[] key;
        final byte[] value;
        final long timestamp;
        final Headers headers;
        final Span span;
        ImageUploaded event;
        Moderator.Attempt attempt;
        CompletableFuture<Outcome> outcome;
        long startedNanos;
        int attempts;
        boolean calledOff;
        /** Where this upload was first sent, once checked against the record there (a replay); null otherwise. */
        SourcePosition origin;
        CompletableFuture<SourcePosition> originCheck;

        InFlight(SourcePosition source, byte[] key, byte[] value, long timestamp, Headers headers, Span span) {
            this.source = source;
            this.span = span;
            this.key = key;
            this.value = value;
            this.timestamp = timestamp;
            this.headers = headers;
        }

        long offset() {
            return source.getOffset();
        }

        String contentId() {
            return event == null ? null : event.getContentId();
        }
    }

    private final Moderator moderator;
    private final Clock clock;
    private final TopicRegistry topics;
    private final OutputLimits limits;
    private final SourceReader sources;
    private final ModelHealth health;
    private final InFlightWindow window;
    private final AdaptiveWindow slots;
    private final FlowControl flow;
    private final StreamTelemetry telemetry;
    /** Started, by offset. */
    private final TreeMap<Long, InFlight> inFlight = new TreeMap<>();
    /** Taken in (their pending entries written) but not started: the window had no room, or the model was away. */
    private final ArrayDeque<InFlight> waiting = new ArrayDeque<>();
    private long heldBytes;
    private TopicPartition topicPartition;
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, StoredDecision> decisions;
    private KeyValueStore<Long, String> pending;
    private Cancellable punctuator;
    private String sourceTopic;
    private int partition;

    ModerationProcessor(ModerationTopology.Parts parts, TopicRegistry topics) {
        this.moderator = parts.moderator();
        this.clock = parts.clock();
        this.topics = topics;
        this.limits = parts.limits();
        this.sources = parts.sources();
        this.health = parts.health();
        this.window = parts.window();
        this.slots = parts.slots();
        this.flow = parts.flow();
        this.telemetry = parts.telemetry();
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.decisions = context.getStateStore(ModerationTopology.DECISION_STORE);
        this.pending = context.getStateStore(ModerationTopology.PENDING_STORE);
        this.sourceTopic = topics.uploaded().name();
        this.partition = context.taskId().partition();
        this.topicPartition = new TopicPartition(sourceTopic, partition);
        this.punctuator = context.schedule(window.completionInterval(), PunctuationType.WALL_CLOCK_TIME, now -> completeFinished());
        resumePending();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        SourcePosition source = source();
        InFlight work = new InFlight(source, record.key(), record.value(), record.timestamp(), record.headers(),
                span(record.headers(), source));
        String headersOver = UploadHeaders.overCap(record.headers());
        if (headersOver != null) {
            deadLetter(work, ErrorCode.FIELD_TOO_LARGE, headersOver);
            return;
        }
        try {
            if (record.value() == null || record.value().length == 0) {
                deadLetter(work, ErrorCode.VALUE_MISSING, "record has no value");
                return;
            }
            work.event = AvroSerde.IMAGE_UPLOADED.decode(record.value());
        } catch (MissingSchemaException e) {
            deadLetter(work, ErrorCode.SCHEMA_UNKNOWN, "writer schema fingerprint is not a known ImageUploaded version: " + e.getMessage());
            return;
        } catch (BadHeaderException e) {
            deadLetter(work, ErrorCode.AVRO_UNDECODABLE, "not Avro single-object encoding: " + e.getMessage());
            return;
        } catch (IOException | RuntimeException e) {
            deadLetter(work, ErrorCode.AVRO_UNDECODABLE, "Avro body unreadable: " + e);
            return;
        }
        Optional<Outcome.Rejected> refused = Moderator.check(work.event);
        if (refused.isPresent()) {
            deadLetter(work, refused.get().code(), refused.get().message());
            return;
        }
        // The stores answering GET /decisions and thumbnails are partitioned by the record key and
        // looked up by contentId: a record keyed otherwise would be decided where no lookup finds it.
        if (record.key() == null || !Arrays.equals(record.key(), work.event.getContentId().getBytes(StandardCharsets.UTF_8))) {
            deadLetter(work, ErrorCode.KEY_MISMATCH, record.key() == null ? "the record has no key; uploads are keyed by their contentId"
                    : "the record's key is not its contentId '" + EventLimits.truncate(work.event.getContentId(), 64) + "'");
            return;
        }
        pending.put(work.offset(), work.contentId());
        take(work);
        startWaiting();
    }

    /** Holds an upload taken in until the window has room for it. */
    private void take(InFlight work) {
        waiting.add(work);
        heldBytes += work.value == null ? 0 : work.value.length;
    }

    /** The upload's span: a consumer span under the upload's own trace context when it came with one. */
    private Span span(Headers headers, SourcePosition source) {
        return telemetry.tracer().spanBuilder("moderate").setParent(TraceHeaders.extract(headers)).setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "kafka").setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.destination.name", source.getTopic())
                .setAttribute("messaging.destination.partition.id", String.valueOf(source.getPartition()))
                .setAttribute("messaging.kafka.offset", source.getOffset()).startSpan();
    }

    /**
     * Starts waiting uploads while the instance's window has room and the model answers, and
     * holds this partition's fetching while any wait or their bytes pass the task's share: the
     * stream thread never waits here, whatever the model's speed.
     */
    private void startWaiting() {
        while (!waiting.isEmpty() && health.available() && slots.tryAcquire(this, inFlight.size())) {
            start(waiting.poll());
        }
        slots.waiting(this, !waiting.isEmpty());
        flow.hold(topicPartition, !waiting.isEmpty() || heldBytes > window.maxBytes());
    }

    private void start(InFlight work) {
        work.calledOff = false;
        work.attempts++;
        work.startedNanos = System.nanoTime();
        if (work.originCheck == null) {
            work.originCheck = checkOrigin(work);
        }
        work.attempt = moderator.attempt(work.event, work.source, Context.root().with(work.span));
        work.outcome = work.attempt.outcome().thenCombine(work.originCheck, (o, origin) -> {
            work.origin = origin;
            return o;
        });
        inFlight.put(work.offset(), work);
        telemetry.inFlight().incrementAndGet();
    }

    /**
     * Forwards what finished; calls off what is past its deadline (it runs again from the start
     * of the queue, up to {@code attempts} times, then it is a dead letter); puts back what
     * waits for the model; then starts more.
     */
    private void completeFinished() {
        for (Iterator<InFlight> it = inFlight.values().iterator(); it.hasNext(); ) {
            InFlight work = it.next();
            if (!work.outcome.isDone()) {
                if (!work.calledOff && System.nanoTime() - work.startedNanos > window.recordDeadline().toNanos()) {
                    LOG.warning("upload at offset " + work.offset() + " not finished within " + window.recordDeadline() + " (attempt "
                            + work.attempts + "); called off");
                    work.calledOff = true;
                    work.attempt.cancel();
                    telemetry.metrics().attemptCalledOff();
                }
                continue;
            }
            it.remove();
            telemetry.inFlight().decrementAndGet();
            Outcome outcome;
            try {
                outcome = work.outcome.join();
            } catch (CompletionException | CancellationException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                slots.release(false);
                if (cause instanceof EmbeddingBatcher.ModelUnavailable) {
                    // The model is away for everything: the upload waits, not counted as an attempt.
                    work.attempts--;
                    waiting.addFirst(work);
                    continue;
                }
                if (cause instanceof CancellationException) {
                    if (work.attempts >= window.attempts()) {
                        finish(work, new Outcome.Rejected(ErrorCode.MODERATION_TIMEOUT, "not finished within " + window.recordDeadline()
                                + " in " + work.attempts + " attempts"));
                    } else {
                        waiting.addFirst(work);
                    }
                    continue;
                }
                LOG.warning("unexpected failure on " + work.contentId() + ": " + cause);
                finish(work, new Outcome.Rejected(ErrorCode.INTERNAL_ERROR, cause.toString()));
                continue;
            }
            slots.release(true);
            finish(work, outcome);
        }
        startWaiting();
    }

    /** Its outputs out, its pending entry gone, its bytes given back. */
    private void finish(InFlight work, Outcome outcome) {
        emit(work, outcome);
        pending.delete(work.offset());
        heldBytes -= work.value == null ? 0 : work.value.length;
    }

    private void emit(InFlight work, Outcome outcome) {
        if (outcome instanceof Outcome.Rejected r) {
            deadLetter(work, r.code(), r.message());
            return;
        }
        Outcome.Decided d = (Outcome.Decided) outcome;
        SourcePosition origin = work.origin;
        if (origin != null) {
            d = new Outcome.Decided(d.decision(), AuditRecord.newBuilder(d.audit()).setOrigin(origin).build(), d.embedding(), d.shadow());
        }
        String key = work.contentId();
        int keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
        List<KeyValue<String, byte[]>> out = new ArrayList<>();
        out.add(KeyValue.pair(ModerationTopology.DECISIONS_SINK, AvroSerde.DECISION.encode(d.decision())));
        out.add(KeyValue.pair(ModerationTopology.AUDIT_SINK, AvroSerde.AUDIT.encode(d.audit())));
        out.add(KeyValue.pair(ModerationTopology.EMBEDDINGS_SINK, AvroSerde.EMBEDDING.encode(d.embedding())));
        if (d.shadow() != null) {
            out.add(KeyValue.pair(ModerationTopology.SHADOW_SINK, AvroSerde.SHADOW_DECISION.encode(d.shadow())));
        }
        StoredDecision stored = new StoredDecision(d.decision(), d.audit());
        int storedBytes = AvroSerde.STORED_DECISION.encode(stored).length;
        Span produce = producing(work.span);
        Headers headers = outputHeaders(work, produce);
        int headerBytes = TraceHeaders.bytes(headers);
        for (KeyValue<String, byte[]> o : out) {
            String topic = ModerationTopology.topicOf(topics, o.key);
            if (!limits.fits(topic, keyBytes + o.value.length + headerBytes)) {
                produce.end();
                deadLetter(work, ErrorCode.RECORD_TOO_LARGE, "the " + o.key + " record would be " + o.value.length + " bytes; " + topic
                        + " takes " + limits.room(topic));
                return;
            }
        }
        String changelog = ModerationTopology.decisionChangelog(context.applicationId());
        if (!limits.fits(changelog, keyBytes + storedBytes)) {
            produce.end();
            deadLetter(work, ErrorCode.RECORD_TOO_LARGE, "the stored decision would be " + storedBytes + " bytes; " + changelog + " takes "
                    + limits.room(changelog));
            return;
        }
        for (KeyValue<String, byte[]> o : out) {
            context.forward(new Record<>(key, o.value, work.timestamp, headers), o.key);
        }
        produce.end();
        work.span.setAttribute("clipguard.action", d.decision().getAction().name());
        work.span.end();
        telemetry.metrics().decided(d.decision());
        // The latest decision of a content is that of its latest upload, by first-sent position: a
        // replay of an older upload is decided and published, but does not replace a newer one.
        StoredDecision previous = decisions.get(key);
        if (previous == null || previous.getAudit().getSource().getPartition() != partition
                || sentAt(previous.getAudit()) <= (origin != null ? origin.getOffset() : work.offset())) {
            decisions.put(key, stored);
        }
    }

    /**
     * Where a replayed upload was first sent. Its {@code clipguard-origin} header is a claim
     * anyone producing uploads could make, so it is believed only when the record it names, an
     * earlier one of this partition, holds the same bytes (read off the stream thread); a claim
     * that cannot be checked (retention took the original) counts for nothing.
     */
    private CompletableFuture<SourcePosition> checkOrigin(InFlight work) {
        Optional<SourcePosition> claimed = SourceHeader.read(work.headers, SourceHeader.ORIGIN).filter(o -> o.getTopic().equals(
                work.source.getTopic()) && o.getPartition() == work.source.getPartition() && o.getOffset() < work.source.getOffset());
        if (claimed.isEmpty() || work.value == null) {
            return CompletableFuture.completedFuture(null);
        }
        SourcePosition o = claimed.get();
        return CompletableFuture.supplyAsync(() -> sources.one(o.getTopic(), o.getPartition(), o.getOffset())
                .filter(r -> Arrays.equals(r.value(), work.value)).map(r -> o).orElse(null), ORIGIN_CHECKS)
                .exceptionally(e -> null);
    }

    /** A daemon thread for origin checks: rare (replays only), and never on a stream thread. */
    private static final ExecutorService ORIGIN_CHECKS = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "clipguard-origin-check");
        t.setDaemon(true);
        return t;
    });

    /** The headers of an output of {@code work}: the trace, its source, and (for a checked replay) its origin and dead letter. */
    private Headers outputHeaders(InFlight work, Span produce) {
        Headers headers = TraceHeaders.forOutput(work.headers, Context.root().with(produce));
        SourceHeader.write(headers, work.source);
        if (work.origin != null) {
            SourceHeader.write(headers, SourceHeader.ORIGIN, work.origin);
            Header replayOf = work.headers.lastHeader(DeadLetterReplay.REPLAY_HEADER);
            if (replayOf != null && replayOf.value() != null && replayOf.value().length <= 512) {
                headers.add(DeadLetterReplay.REPLAY_HEADER, replayOf.value());
            }
        }
        return headers;
    }

    private static long sentAt(AuditRecord audit) {
        return audit.getOrigin() != null ? audit.getOrigin().getOffset() : audit.getSource().getOffset();
    }

    private void deadLetter(InFlight work, ErrorCode code, String message) {
        DeadLetters.Letter letter = DeadLetters.build(code, message, work.key, work.value, work.source,
                work.event == null ? null : work.event.getEventId(), work.contentId(), moderator.instanceId(), clock.instant());
        work.span.setStatus(StatusCode.ERROR, message);
        work.span.setAttribute("clipguard.reason", code.name());
        Span produce = producing(work.span);
        Headers headers = outputHeaders(work, produce);
        byte[] bytes = DeadLetters.encodeToFit(letter, limits.room(topics.deadLetters().name()) - TraceHeaders.bytes(headers));
        context.forward(new Record<>(letter.key(), bytes, work.timestamp, headers), ModerationTopology.DLQ_SINK);
        produce.end();
        work.span.end();
        telemetry.metrics().deadLettered(code.name());
    }

    /** The span of forwarding an upload's outputs; its context is the {@code traceparent} they carry. */
    private Span producing(Span upload) {
        return telemetry.tracer().spanBuilder("produce").setParent(Context.root().with(upload)).setSpanKind(SpanKind.PRODUCER)
                .setAttribute("messaging.system", "kafka").setAttribute("messaging.operation.type", "send").startSpan();
    }

    /** After a restart or a rebalance: the uploads this task had in flight, read again and started. */
    private void resumePending() {
        TreeSet<Long> offsets = new TreeSet<>();
        try (KeyValueIterator<Long, String> it = pending.all()) {
            it.forEachRemaining(kv -> offsets.add(kv.key));
        }
        if (offsets.isEmpty()) {
            return;
        }
        Map<Long, ConsumerRecord<byte[], byte[]>> records = sources.read(sourceTopic, partition, offsets);
        LOG.info("partition " + partition + ": resuming " + offsets.size() + " uploads that were in flight (" + records.size() + " read back)");
        telemetry.metrics().uploadsRedone(offsets.size());
        for (long offset : offsets) {
            ConsumerRecord<byte[], byte[]> r = records.get(offset);
            SourcePosition source = new SourcePosition(sourceTopic, partition, offset);
            Headers headers = r == null ? new RecordHeaders() : r.headers();
            InFlight work = r == null ? new InFlight(source, null, null, clock.millis(), headers, span(headers, source))
                    : new InFlight(source, r.key(), r.value(), r.timestamp(), headers, span(headers, source));
            try {
                work.event = r == null ? null : AvroSerde.IMAGE_UPLOADED.decode(r.value());
            } catch (IOException | RuntimeException e) {
                // it was readable when it was taken in; treated as gone below
            }
            if (work.event == null) {
                deadLetter(new InFlight(source, null, null, work.timestamp, headers, work.span), ErrorCode.SOURCE_GONE, "upload at offset "
                        + offset + " (contentId " + pending.get(offset) + ") is no longer on " + sourceTopic);
                pending.delete(offset);
                continue;
            }
            take(work);
        }
        startWaiting();
    }

    private SourcePosition source() {
        RecordMetadata m = context.recordMetadata().orElse(null);
        return m == null ? new SourcePosition("", -1, -1L) : new SourcePosition(m.topic(), m.partition(), m.offset());
    }

    @Override
    public void close() {
        if (punctuator != null) {
            punctuator.cancel();
        }
        // Unfinished work stays in the pending store: whoever owns the partition next finishes it.
        inFlight.values().forEach(w -> {
            w.attempt.cancel();
            slots.release(false);
            w.span.setAttribute("clipguard.handed.over", true);
            w.span.end();
        });
        waiting.forEach(w -> w.span.end());
        telemetry.inFlight().addAndGet(-inFlight.size());
        inFlight.clear();
        waiting.clear();
        heldBytes = 0;
        slots.waiting(this, false);
        flow.hold(topicPartition, false);
    }
}
