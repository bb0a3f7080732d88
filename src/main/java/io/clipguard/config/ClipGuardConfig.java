package io.clipguard.config;

import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every ClipGuard setting, typed. Defaults live in {@code application.properties}; each
 * setting is also read from its environment form ({@code clipguard.stream.threads} ->
 * {@code CLIPGUARD_STREAM_THREADS}) and from system properties, and command-line options
 * override all of them ({@link Settings#load}). Kafka client settings are not here: they
 * pass through untouched under {@code kafka.*} and {@code kafka-streams.*}
 * ({@link io.clipguard.kafka.KafkaClients}).
 */
@ConfigMapping(prefix = "clipguard")
public interface ClipGuardConfig {
    Topics topics();

    Stream stream();

    Batching batching();

    Fetch fetch();

    Decode decode();

    Model model();

    Policies policies();

    Users users();

    Http http();

    Telemetry telemetry();

    Reviews reviews();

    Banks banks();

    /** Banks of known content (entries on the banks topic, held in memory by every instance). */
    interface Banks {
        /** Entries held in all banks; adds past it are refused, so memory stays bounded. */
        int maxEntries();

        /** Exemplar vectors held in all banks, in MiB (off the heap, twice during a rebuild); adds past it are refused. */
        int maxExemplarMib();
    }

    /** Topic names (shared clusters have naming rules) and how missing topics are created. */
    interface Topics {
        String uploaded();

        String decisions();

        String audit();

        String embeddings();

        String deadLetters();

        String policies();

        String policyChanges();

        String shadow();

        /** Reviewers' verdicts on decisions sent to review. */
        String verdicts();

        /** Who is reviewing what, until when (compacted). */
        String reviewLeases();

        /** The ledger of dead letters sent back to the uploads topic ({@code dlq replay}). */
        String dlqReplays();

        /** Bank entries: PDQ hashes and exemplar embeddings (compacted). */
        String banks();

        /** Partitions of topics created on start (the policy topics always have one). */
        int partitions();

        /** Replication factor of topics created on start; -1 takes the broker's default. */
        short replicationFactor();
    }

    /** The Kafka Streams application. */
    interface Stream {
        /** Shared by every instance of one deployment. */
        String applicationId();

        /** This instance's id; default: the host name. Also names the state directory, so keep it stable across restarts. */
        Optional<String> instanceId();

        /** Kafka Streams state; default: the temporary directory, by application and instance id. */
        Optional<Path> stateDir();

        int threads();

        Duration commitInterval();

        int maxPollRecords();

        /** How often finished uploads are forwarded; also the longest an idle stream thread waits in poll. */
        Duration completionInterval();
    }

    /** Cross-record inference batches and the uploads each partition keeps in flight to fill them. */
    interface Batching {
        int maxBatch();

        Duration maxWait();

        /** The most uploads in flight per instance (the adaptive window's ceiling). */
        int inFlightRecords();

        /** Upload bytes a partition (task) holds, in flight and waiting, before it stops fetching. */
        long inFlightBytes();

        /** The time in flight the adaptive window aims at: measured model throughput x this = uploads in flight. */
        Duration targetLatency();

        /** Attempts at an upload (each called off at the record deadline) before it is a dead letter. */
        int attempts();

        /** Threads that fetch, decode, preprocess and score; 0: one per core. */
        int prepareThreads();

        /** An attempt not finished by then is called off and run again. */
        Duration recordDeadline();
    }

    /** Images by reference. */
    interface Fetch {
        /** Hosts image URIs may be fetched from; none: inline images only. */
        Optional<List<String>> allowedHosts();

        /** Networks exempt from the refusal of private and special addresses (CIDR, e.g. an on-premises store). */
        Optional<List<String>> allowedNetworks();

        /** Enables {@code file://} references inside this directory. */
        Optional<Path> fileRoot();

        Duration connectTimeout();

        /** The longest silence while waiting for the response or its body. */
        Duration readTimeout();

        /** The whole fetch, connection to last byte. */
        Duration deadline();

        /** After the first second, a body arriving slower than this is refused. */
        long minBytesPerSecond();

        long maxBytes();

        int maxRedirects();
    }

    /** Limits checked before pixels are decoded. */
    interface Decode {
        long maxBytes();

        int maxWidth();

        int maxHeight();

        long maxPixels();

        /** Animations with more frames are refused. */
        int maxFrames();

        /** Instants of an animation scored: frames on screen at evenly spaced times of its running time, and the longest shown. */
        int frames();

        /** Most bytes one image's decode may allocate (pixels, frames, conversions), from its headers before it starts. */
        long maxMemory();

        /** Share of the maximum heap that all decodes in this process may hold at once; more wait. */
        double memoryShare();

        /** How long a decode waits for memory held by others before DECODE_BUSY. */
        Duration memoryWait();

        /** Formats accepted, by magic bytes: jpeg, png, gif, webp; bmp and tiff only when listed. */
        java.util.List<String> formats();

        /** CPU time one image's decode and preprocessing may take. */
        Duration cpuDeadline();

        /** Decode large JPEGs at 1/4 or 1/8 scale in the DCT domain. */
        boolean reduced();
    }

    /** The CLIP model and how ONNX Runtime runs it. */
    interface Model {
        /** Model folder; default: the demo model, generated into the cache. */
        Optional<Path> dir();

        /** Where generated models (demo, benchmark) are written. */
        Path cacheDir();

        /** auto | cpu | cuda[:N] | tensorrt[:N] */
        String provider();

        /** ONNX Runtime intra-op threads; 0 lets it choose. */
        int threads();

        int batchSize();

        /** NO_OPT, BASIC_OPT, EXTENDED_OPT or ALL_OPT. */
        String optimization();

        boolean fp16();

        /** ONNX Runtime's intra-op threads spin between runs (faster at saturation on CPU, cores busy while idle). */
        boolean spinning();

        /** An export variant to load: the suffix of its files ({@code quantized}: {@code vision_model_quantized.onnx}). */
        Optional<String> variant();

        /** At load, drawn shapes must rank their own captions first (a tower that is not CLIP's projection is refused). */
        boolean canary();
    }

    /** Policy files and governance. */
    interface Policies {
        /** The policy this instance enforces (its id); default: the bundled demo-shapes. */
        Optional<Path> file();

        /** Files applied on start when their content changed. */
        Path dir();

        /** Tenants decided by other policies than the default: {@code tenant=policy-id} pairs, comma-separated, each policy a file in {@link #dir}. */
        Optional<String> tenants();

        /** Dev mode: publish each saved edit of the policy files. */
        boolean watch();

        Duration watchInterval();

        boolean twoPersonRule();

        /** GitOps: policy files publish directly even under the two-person rule (their review happened in version control). */
        boolean filesRule();

        /** A version calibrated on another model, logit scale or prompt set: {@code refuse} it, or score it {@code uncalibrated}. */
        String calibrationMismatch();
    }

    /** The local users of the HTTP API (embedded default; production uses OIDC). */
    interface Users {
        Path file();

        /** Failed logins for one user name within the window before further attempts are refused (429). */
        int failedLoginsPerUser();

        /** Failed logins from one address within the window before further attempts are refused (429). */
        int failedLoginsPerAddress();

        Duration failedLoginWindow();
    }

    /** How other instances reach this one's HTTP API, and who may read decisions. */
    interface Http {
        /** host:port advertised for decision lookups; default: localhost and quarkus.http.port. */
        Optional<String> advertised();

        /** {@code GET /decisions/{id}} without a login (only behind a gateway that authenticates). */
        boolean openDecisions();
    }

    /** Traces and metrics (docs/operators.md, Telemetry). */
    interface Telemetry {
        /** OTLP/HTTP collector base URL (spans go to {@code /v1/traces}); none: traces are made but sent nowhere. */
        Optional<String> otlpEndpoint();

        /** The {@code service.name} resource attribute of exported spans. */
        String serviceName();

        /** Label decision counts with the tenant too (only for a small, known set of tenants: each is a time series). */
        boolean tenantLabel();

        /** How often consumer lag is measured for the lag gauges. */
        Duration lagInterval();

        /** Decisions per policy version and category whose scores form the drift reference. */
        int driftReference();

        /** The latest decisions per category compared with the reference. */
        int driftWindow();
    }

    /** The review queue (docs/trust-and-safety.md, Review). */
    interface Reviews {
        /** How long a reviewer holds an item before it goes back to the queue. */
        Duration lease();

        /** How far back decisions are read into the queue on start. */
        Duration history();

        /** Reviewers see the image and the categories, not the model's scores (verdicts not anchored to the model). */
        boolean blind();
    }
}
