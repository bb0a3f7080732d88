package io.clipguard.error;

/**
 * Every error ClipGuard reports across a boundary, with one meaning wherever it appears: the
 * reason code of a dead letter, the {@code code} of an HTTP problem response, and the
 * {@code CODE: message} line and exit status of the command line. docs/integrators.md lists them all
 * (a test keeps the list and this enum equal).
 *
 * <p>{@link #retryable()} says whether a record that failed with the code may succeed when
 * sent again unchanged (a timeout, a model outage), as {@code dlq replay} uses it.
 */
public enum ErrorCode {
    // Usage and configuration (exit 2)
    INVALID_ARGUMENT("a command-line argument or request parameter is invalid", Exit.USAGE, 400, false),
    CONFIG_INVALID("a setting has a value that cannot be used", Exit.USAGE, 500, false),
    KAFKA_NOT_CONFIGURED("no Kafka bootstrap servers were given (KAFKA_BOOTSTRAP_SERVERS or --bootstrap-servers)", Exit.USAGE, 500, false),
    PASSWORD_MISSING("a command needs a password and none was given", Exit.USAGE, 400, false),

    // The model (exit 3)
    MODEL_INVALID("the model folder cannot be used (files missing, graphs that do not fit CLIP)", Exit.MODEL, 500, false),
    PROVIDER_UNAVAILABLE("the requested execution provider (CUDA, TensorRT) is not available", Exit.MODEL, 500, false),
    MODEL_ERROR("inference failed for this record", Exit.MODEL, 503, true),
    MODERATION_TIMEOUT("the upload was not answered within the record deadline in any of its attempts", Exit.MODEL, 503, true),
    MODEL_DIGEST_MISMATCH("the model loaded here is not the one that decided (another digest): re-scoring it would prove nothing", Exit.MODEL, 409, false),
    SCORES_DIFFER("re-scoring the upload gave scores other than the audit record's", Exit.MODEL, 500, false),

    // Input records and images (exit 4)
    VALUE_MISSING("the upload record has no value", Exit.INPUT, 400, false),
    AVRO_UNDECODABLE("the record is not readable Avro single-object encoding", Exit.INPUT, 400, false),
    SCHEMA_UNKNOWN("the record's writer schema fingerprint is not a known release", Exit.INPUT, 400, false),
    FIELD_MISSING("a required field of the event is empty", Exit.INPUT, 400, false),
    FIELD_TOO_LARGE("a string field of the event, or the record's headers, over its documented cap", Exit.INPUT, 400, false),
    KEY_MISMATCH("the record's key is not the event's contentId (decisions are stored and looked up by contentId)", Exit.INPUT, 400, false),
    RECORD_TOO_LARGE("an output record would exceed the broker's size limit", Exit.INPUT, 400, false),
    SOURCE_GONE("an upload in flight at a restart was no longer on its topic when read again (retention)", Exit.INPUT, 410, false),
    IMAGE_EMPTY("the image has no bytes", Exit.INPUT, 422, false),
    IMAGE_CORRUPT("the image data is malformed or truncated", Exit.INPUT, 422, false),
    IMAGE_UNSUPPORTED_FORMAT("not an accepted format by its magic bytes (JPEG, PNG, GIF, WebP; BMP and TIFF when enabled), or a variant viewers do not show", Exit.INPUT, 422, false),
    IMAGE_TOO_LARGE("the image exceeds the byte, side or pixel limits, or its decode would need more memory than allowed", Exit.INPUT, 422, false),
    IMAGE_TOO_COMPLEX("decoding the image exceeded the per-record CPU deadline or the frame limit", Exit.INPUT, 422, false),
    DECODE_BUSY("no decode memory was free in time (other decodes held it); the upload is not at fault", Exit.INPUT, 503, true),

    // Images by reference (dead letters; exit 4)
    FETCH_URI_INVALID("the image reference is not a URI", Exit.INPUT, 400, false),
    FETCH_SCHEME_NOT_ALLOWED("the URI scheme is not allowed (http, https; file only when enabled)", Exit.INPUT, 400, false),
    FETCH_HOST_NOT_ALLOWED("the host is not on the fetch allow-list", Exit.INPUT, 400, false),
    FETCH_ADDRESS_NOT_ALLOWED("the host resolves to a refused address (loopback, private, metadata, ...)", Exit.INPUT, 400, false),
    FETCH_REDIRECT_NOT_ALLOWED("a redirect leads to a refused scheme or host", Exit.INPUT, 400, false),
    FETCH_TOO_MANY_REDIRECTS("more redirects than allowed", Exit.INPUT, 400, false),
    FETCH_FILE_NOT_ALLOWED("a file:// reference outside the file root, or file references are disabled", Exit.INPUT, 400, false),
    FETCH_TOO_LARGE("the fetched image exceeds the byte limit", Exit.INPUT, 400, false),
    FETCH_TIMEOUT("the fetch did not finish within its deadline", Exit.INPUT, 504, true),
    FETCH_TOO_SLOW("the server sent the image slower than the minimum rate", Exit.INPUT, 504, true),
    FETCH_HTTP_STATUS("the server answered with a status other than 200", Exit.INPUT, 502, true),
    FETCH_FAILED("the fetch failed (connection, DNS, I/O)", Exit.INPUT, 502, true),

    // Files and policies (exit 5)
    FILE_NOT_FOUND("a file named on the command line does not exist", Exit.FILE, 404, false),
    FILE_UNREADABLE("a file cannot be read", Exit.FILE, 400, false),
    BANK_ENTRY_INVALID("a bank entry or hash list line is not usable (not 64 hex digits, no image, an unknown bank kind)", Exit.FILE, 400, false),
    BANK_ENTRY_NOT_FOUND("the bank has no such entry", Exit.FILE, 404, false),
    BANKS_FULL("the banks hold clipguard.banks.max-entries entries (or max-exemplar-mib of exemplars): remove some or raise the setting", Exit.SERVICE, 507, false),
    POLICY_INVALID("the policy document fails parsing, its schema or its limits", Exit.FILE, 400, false),
    POLICY_MODEL_MISMATCH("the policy was calibrated for another model, embedding dimension, logit scale or prompt set", Exit.FILE, 400, false),
    CALIBRATION_UNSUPPORTED("the labels cannot support a calibration target with 95 % confidence (the report says how many more are needed)", Exit.FILE, 422, false),
    POLICY_NOT_FOUND("no policy with this id", Exit.FILE, 404, false),
    VERSION_NOT_FOUND("the policy has no such version", Exit.FILE, 404, false),
    NOT_A_DRAFT("only a draft can be published; use rollback for an earlier version", Exit.FILE, 409, false),
    NOT_PUBLISHED("only a version that was published can be rolled back to", Exit.FILE, 409, false),
    ALREADY_ACTIVE("the version is already the active one", Exit.FILE, 409, false),
    NO_ACTIVE_VERSION("the policy has no active version yet", Exit.FILE, 409, false),
    NO_SHADOW("the policy has no shadow version", Exit.FILE, 409, false),
    TWO_PERSON_RULE("the two-person rule forbids publishing a draft one wrote", Exit.FILE, 403, false),
    NOT_YET_VISIBLE("a change was written but this instance has not seen it yet", Exit.FILE, 504, true),

    // Kafka (exit 6)
    KAFKA_ERROR("a Kafka operation failed", Exit.KAFKA, 503, true),
    KAFKA_UNREACHABLE("no Kafka broker answered at the bootstrap servers", Exit.KAFKA, 503, true),
    KAFKA_AUTH_FAILED("Kafka refused the credentials (authentication) or the operation (authorization)", Exit.KAFKA, 503, false),
    REPLAY_FENCED("the dlq replay stopped: another took over (or its transaction timed out); what it committed stands, run it again for the rest", Exit.KAFKA, 409, true),
    SEND_FAILED("the broker refused a record", Exit.KAFKA, 503, true),

    // HTTP API requests (exit 2: a request mistake)
    UNAUTHENTICATED("the request needs a login", Exit.USAGE, 401, false),
    FORBIDDEN("the user's roles do not allow this", Exit.USAGE, 403, false),
    TOO_MANY_LOGINS("too many failed logins for this user or address; retry after the time given", Exit.USAGE, 429, true),
    CSRF_REJECTED("a state-changing request needs a JSON body and the X-Requested-With header (cross-site requests cannot send them)",
            Exit.USAGE, 403, false),
    BODY_MISSING("the request needs a JSON body", Exit.USAGE, 400, false),
    PARAMETER_MISSING("a required query parameter is missing", Exit.USAGE, 400, false),
    REASON_REQUIRED("every policy change needs a reason", Exit.USAGE, 400, false),
    REASON_TOO_LONG("a reason has at most 2000 characters", Exit.USAGE, 400, false),
    LIMIT_OUT_OF_RANGE("a limit parameter is outside its range", Exit.USAGE, 400, false),
    JOB_NOT_FOUND("no backtest job with this id", Exit.USAGE, 404, false),
    DECISION_NOT_FOUND("no decision for this contentId", Exit.USAGE, 404, false),
    RATE_LIMITED("the caller asks for more than its share (thumbnails per second, live feeds at once)", Exit.USAGE, 429, true),
    BACKTEST_BUSY("as many backtests as an instance takes (4), or as one user may run there (2), already wait or run; try again when one has finished", Exit.USAGE, 429, true),
    REVIEW_NOT_FOUND("no decision of this content waits for review (reviewed already, or never sent to review)", Exit.USAGE, 404, false),
    LEASE_NOT_HELD("the item is not leased to this reviewer under that lease (take it with GET /reviews/next first; leases expire)", Exit.USAGE, 409, false),
    REVIEW_STALE("the verdict names an event that no longer waits for review (a re-upload replaced it)", Exit.USAGE, 409, false),
    VERDICT_INVALID("the verdict does not fit the decision (VIOLATION needs one of the policy's categories)", Exit.USAGE, 400, false),
    THUMBNAIL_UNAVAILABLE("the upload is no longer on its topic, or the position named another content's upload", Exit.USAGE, 404, false),

    // The running service (exit 7)
    SERVICE_NOT_RUNNING("this process runs no moderation service", Exit.SERVICE, 503, true),
    STORE_NOT_READY("the decision store cannot answer now (rebalancing, restoring)", Exit.SERVICE, 503, true),
    OWNER_UNREACHABLE("the instance owning the key did not answer", Exit.SERVICE, 502, true),
    NOT_OWNER("a forwarded lookup reached an instance that does not own the key", Exit.SERVICE, 421, true),
    LOADTEST_FAILED("a load test or fault drill found a lost or duplicated output, or missed its target", Exit.SERVICE, 500, false),

    // Anything else (exit 1)
    INTERRUPTED("processing was interrupted (shutdown)", Exit.INTERNAL, 503, true),
    INTERNAL_ERROR("an unexpected failure; the log has the details", Exit.INTERNAL, 500, true);

    /** Exit statuses of the command line, by family. */
    public static final class Exit {
        public static final int INTERNAL = 1;
        public static final int USAGE = 2;
        public static final int MODEL = 3;
        public static final int INPUT = 4;
        public static final int FILE = 5;
        public static final int KAFKA = 6;
        public static final int SERVICE = 7;

        private Exit() {
        }
    }

    private final String meaning;
    private final int exitStatus;
    private final int httpStatus;
    private final boolean retryable;

    ErrorCode(String meaning, int exitStatus, int httpStatus, boolean retryable) {
        this.meaning = meaning;
        this.exitStatus = exitStatus;
        this.httpStatus = httpStatus;
        this.retryable = retryable;
    }

    public String meaning() {
        return meaning;
    }

    public int exitStatus() {
        return exitStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public boolean retryable() {
        return retryable;
    }
}
