package io.clipguard.api;

import io.clipguard.insight.FeedEvent;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client's live feed: a bounded buffer between the feed thread and what the client has
 * asked for. Decisions commit in batches (up to a whole inference batch at once), so a client
 * that reads promptly still asks for one event at a time while a burst arrives; the buffer
 * holds {@value #CAPACITY} events, and only a client that really falls that far behind loses
 * any. What is lost is counted ({@code clipguard_feed_events_dropped_total}) and told to the
 * client as a {@code missed} event before the next one it gets.
 */
final class ClientFeed {
    static final int CAPACITY = 4096;

    private final MultiEmitter<? super FeedEvent> emitter;
    private final AtomicLong droppedTotal;
    private final ArrayDeque<FeedEvent> buffer = new ArrayDeque<>();
    private long missed;

    ClientFeed(MultiEmitter<? super FeedEvent> emitter, AtomicLong droppedTotal) {
        this.emitter = emitter;
        this.droppedTotal = droppedTotal;
        emitter.onRequest(n -> drain());
    }

    /** An event from the feed thread. */
    synchronized void offer(FeedEvent e) {
        if (buffer.size() >= CAPACITY) {
            missed++;
            droppedTotal.incrementAndGet();
        } else {
            buffer.add(e);
        }
        drain();
    }

    private synchronized void drain() {
        while (emitter.requested() > 0 && !emitter.isCancelled()) {
            if (missed > 0) {
                emitter.emit(FeedEvent.missed(missed, System.currentTimeMillis()));
                missed = 0;
            } else if (!buffer.isEmpty()) {
                emitter.emit(buffer.poll());
            } else {
                return;
            }
        }
    }
}
