package io.clipguard.kafka;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Kafka client failures as ClipGuard errors: a refused login or a denied operation is
 * {@code KAFKA_AUTH_FAILED} with the broker's own message (never a retry loop or a timeout),
 * a broker that does not answer is {@code KAFKA_UNREACHABLE}, anything else
 * {@code KAFKA_ERROR}.
 */
public final class KafkaErrors {
    private KafkaErrors() {
    }

    public static ClipGuardException translate(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof ClipGuardException c) {
            return c;
        }
        if (t instanceof AuthenticationException) {
            return new ClipGuardException(ErrorCode.KAFKA_AUTH_FAILED, "Kafka refused the credentials: " + t.getMessage(), t);
        }
        if (t instanceof AuthorizationException) {
            return new ClipGuardException(ErrorCode.KAFKA_AUTH_FAILED, "Kafka denied the operation: " + t.getMessage(), t);
        }
        if (t instanceof TimeoutException) {
            return new ClipGuardException(ErrorCode.KAFKA_UNREACHABLE, "Kafka did not answer in time: " + t.getMessage(), t);
        }
        return new ClipGuardException(ErrorCode.KAFKA_ERROR, String.valueOf(t.getMessage() == null ? t : t.getMessage()), t);
    }

    /** A Kafka client failure as its ClipGuard error; empty for anything that is not one. */
    public static Optional<ClipGuardException> ifKafka(Throwable failure) {
        return failure instanceof org.apache.kafka.common.KafkaException ? Optional.of(translate(failure)) : Optional.empty();
    }

    /** Whether the failure (anywhere in its causes) is an authentication or authorization refusal. */
    public static boolean isAuthFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof AuthenticationException || t instanceof AuthorizationException) {
                return true;
            }
        }
        return false;
    }

    /** The first cause that is an auth refusal, else the innermost cause behind execution wrappers. */
    private static Throwable unwrap(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof AuthenticationException || t instanceof AuthorizationException || t instanceof ClipGuardException) {
                return t;
            }
        }
        Throwable t = failure;
        while ((t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException
                || t.getClass() == org.apache.kafka.common.KafkaException.class) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
