package io.clipguard.api;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.insight.FeedEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** One client's feed: a burst reaches a client that asks one at a time whole; only a client that falls far behind misses events, and is told. */
class ClientFeedTest {
    static FeedEvent decision(int i) {
        return new FeedEvent("decision", "c" + i, "ALLOW", null, null, null, null, null, null, null, null, i, null, null, "t");
    }

    record Wired(ClientFeed feed, AssertSubscriber<FeedEvent> client, AtomicLong dropped) {
    }

    static Wired wire() {
        AtomicReference<ClientFeed> feed = new AtomicReference<>();
        AtomicLong dropped = new AtomicLong();
        AssertSubscriber<FeedEvent> client = Multi.createFrom().<FeedEvent>emitter(e -> feed.set(new ClientFeed(e, dropped)))
                .subscribe().withSubscriber(AssertSubscriber.create(0));
        return new Wired(feed.get(), client, dropped);
    }

    @Test
    void aBurstReachesAClientThatAsksOneAtATimeWhole() {
        Wired w = wire();
        w.client().request(1);
        IntStream.range(0, 200).forEach(i -> w.feed().offer(decision(i)));
        for (int i = 1; i < 200; i++) {
            w.client().request(1);
        }
        assertThat(w.client().getItems()).extracting(FeedEvent::contentId)
                .containsExactlyElementsOf(IntStream.range(0, 200).mapToObj(i -> "c" + i).toList());
        assertThat(w.dropped().get()).isZero();
    }

    @Test
    void aClientFarBehindIsToldWhatItMissed() {
        Wired w = wire();
        int over = 10;
        IntStream.range(0, ClientFeed.CAPACITY + over).forEach(i -> w.feed().offer(decision(i)));
        assertThat(w.dropped().get()).isEqualTo(over);
        w.client().request(2);
        List<FeedEvent> got = w.client().getItems();
        assertThat(got.get(0).kind()).isEqualTo("missed");
        assertThat(got.get(0).latencyMs()).isEqualTo(over);
        assertThat(got.get(1).contentId()).as("then the oldest event it has not seen").isEqualTo("c0");
    }
}
