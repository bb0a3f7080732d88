package io.clipguard.moderation.kafka;

import java.time.Duration;

/**
 * How an instance keeps uploads in flight: an adaptive window ({@link AdaptiveWindow}) between
 * a small floor and {@code maxRecords}, aiming at {@code targetLatency} (a fast model's window
 * grows to many full batches; a slow one's stays near what it answers in that time); at most {@code maxBytes} of uploads held per task before its partition
 * is held; and what happens to an upload that takes too long.
 *
 * @param maxRecords         the most uploads in flight per instance
 * @param maxBytes           upload bytes a task holds (in flight and waiting) before it stops fetching
 * @param completionInterval how often finished uploads are forwarded (and the longest a thread waits in poll)
 * @param recordDeadline     an attempt not finished by then is called off and run again
 * @param attempts           attempts before an upload is a {@code MODERATION_TIMEOUT} dead letter
 * @param targetLatency      the time in flight the window is sized for
 */
public record InFlightWindow(int maxRecords, long maxBytes, Duration completionInterval, Duration recordDeadline, int attempts,
                             Duration targetLatency) {

    /** 1,024 uploads, 64 MiB a task, every 5 ms, one minute, three attempts, one second. */
    public static InFlightWindow defaults() {
        return new InFlightWindow(1024, 64L << 20, Duration.ofMillis(5), Duration.ofMinutes(1), 3, Duration.ofSeconds(1));
    }

    /** The instance's window for inference batches of at most {@code maxBatch}: it starts at a quarter batch (at least 4) and adapts. */
    public AdaptiveWindow window(int maxBatch) {
        return new AdaptiveWindow(Math.max(4, maxBatch / 4), maxRecords, targetLatency);
    }
}
