package io.clipguard.moderation.kafka;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Back-pressure for the uploads topic without ever blocking a stream thread: a task whose
 * uploads wait for room in the window holds its partition, and the stream thread's consumer
 * stops fetching it until the task lets go. Kafka Streams gives a processor no way to refuse
 * a record, and waiting inside {@code process()} holds the thread's transaction open (past
 * its timeout the producer is fenced and every upload in flight is done again), so the hold is
 * applied where fetching happens: the main consumer, wrapped ({@link #wrap}). Kafka Streams
 * pauses and resumes partitions itself (its own buffers, rebalances); the wrapper keeps both
 * reasons apart and resumes a partition only when neither holds it.
 */
public final class FlowControl {
    private final Set<TopicPartition> held = ConcurrentHashMap.newKeySet();

    /** Holds {@code partition} (no more fetching) or lets it go. */
    void hold(TopicPartition partition, boolean hold) {
        if (hold) {
            held.add(partition);
        } else {
            held.remove(partition);
        }
    }

    boolean held(TopicPartition partition) {
        return held.contains(partition);
    }

    /** Partitions held now. */
    public int heldCount() {
        return held.size();
    }

    /** {@code consumer} applying the holds at every poll, and keeping Kafka Streams' own pauses apart from them. */
    @SuppressWarnings("unchecked")
    public Consumer<byte[], byte[]> wrap(Consumer<byte[], byte[]> consumer) {
        Set<TopicPartition> pausedByStreams = new HashSet<>();
        Set<TopicPartition> pausedHere = new HashSet<>();
        return (Consumer<byte[], byte[]>) Proxy.newProxyInstance(Consumer.class.getClassLoader(), new Class<?>[] {Consumer.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "poll" -> apply(consumer, pausedByStreams, pausedHere);
                        case "pause" -> pausedByStreams.addAll((Collection<TopicPartition>) args[0]);
                        case "resume" -> {
                            Collection<TopicPartition> asked = (Collection<TopicPartition>) args[0];
                            pausedByStreams.removeAll(asked);
                            // Not ours to resume while this side holds it.
                            List<TopicPartition> free = asked.stream().filter(tp -> !pausedHere.contains(tp)).toList();
                            consumer.resume(free);
                            return null;
                        }
                        default -> {
                        }
                    }
                    try {
                        return method.invoke(consumer, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private void apply(Consumer<byte[], byte[]> consumer, Set<TopicPartition> pausedByStreams, Set<TopicPartition> pausedHere) {
        Set<TopicPartition> assigned = consumer.assignment();
        List<TopicPartition> hold = assigned.stream().filter(tp -> held.contains(tp) && !pausedHere.contains(tp)).toList();
        if (!hold.isEmpty()) {
            consumer.pause(hold);
            pausedHere.addAll(hold);
        }
        List<TopicPartition> release = pausedHere.stream().filter(tp -> !held.contains(tp) || !assigned.contains(tp)).toList();
        if (!release.isEmpty()) {
            pausedHere.removeAll(release);
            consumer.resume(release.stream().filter(tp -> !pausedByStreams.contains(tp) && assigned.contains(tp)).toList());
        }
    }
}
