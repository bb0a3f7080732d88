package io.clipguard.moderation.kafka;

import java.time.Duration;

/**
 * How much work each task (partition) keeps in flight, so that inference batches fill
 * whatever the number of threads and partitions while images in memory stay bounded.
 *
 * @param maxRecords         uploads in flight per task
 * @param maxBytes           their upload bytes, per task
 * @param completionInterval how often finished uploads are forwarded (and the longest a thread waits in poll)
 * @param recordDeadline     an upload not finished by then is parked and retried when the model answers
 */
public record InFlightWindow(int maxRecords, long maxBytes, Duration completionInterval, Duration recordDeadline) {

    /** Sixty-four uploads, 64 MiB, every 5 ms, one minute. */
    public static InFlightWindow defaults() {
        return new InFlightWindow(64, 64L << 20, Duration.ofMillis(5), Duration.ofMinutes(1));
    }
}
