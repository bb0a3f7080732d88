package io.clipguard.policy.catalog;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.policy.PolicyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Policy files kept in step with the catalog: on start every file is applied when its
 * content differs from the active version; in dev mode the files are polled and an edit
 * is applied as soon as it is saved (an invalid edit is logged and left unapplied).
 */
public final class PolicyFileSync implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PolicyFileSync.class.getName());

    private final List<Path> files;
    private final Map<Path, String> seen = new HashMap<>();
    private ScheduledExecutorService watcher;

    /** What happened to one file: the writer's answer, or why it was skipped (a policy for another model). */
    public record Applied(Path file, PolicyWriter.FileApplied result, String skipped) {
        public String policyId() {
            return result.policyId();
        }

        /** The version published from the file, if one was. */
        public Optional<Integer> newVersion() {
            return result.result() == PolicyWriter.FileApplied.Result.PUBLISHED ? Optional.of(result.version()) : Optional.empty();
        }
    }

    public PolicyFileSync(List<Path> files) {
        this.files = List.copyOf(files);
    }

    /** Every {@code *.yaml} / {@code *.yml} in {@code dir} (none when it does not exist), plus {@code extra}. */
    public static List<Path> policyFiles(Path dir, List<Path> extra) {
        List<Path> out = new ArrayList<>();
        if (dir != null && Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().forEach(out::add);
            } catch (IOException e) {
                throw new ClipGuardException(ErrorCode.POLICY_INVALID, dir + ": cannot list: " + e.getMessage());
            }
        }
        for (Path p : extra) {
            if (out.stream().noneMatch(q -> q.toAbsolutePath().normalize().equals(p.toAbsolutePath().normalize()))) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * Applies every file whose content changed. A file this model cannot enforce (calibrated
     * for another model) is skipped with a reason; an invalid file throws.
     */
    public List<Applied> applyAll(PolicyWriter writer) {
        List<Applied> out = new ArrayList<>();
        for (Path file : files) {
            out.add(apply(writer, file, read(file)));
        }
        return out;
    }

    /** Polls the files every {@code intervalMs} and applies each saved change. */
    public synchronized void watch(PolicyWriter writer, long intervalMs) {
        for (Path f : files) {
            seen.put(f, safeRead(f));
        }
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "clipguard-policy-files");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(() -> poll(writer), intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    private void poll(PolicyWriter writer) {
        for (Path f : files) {
            String text = safeRead(f);
            if (text == null || text.equals(seen.get(f))) {
                continue;
            }
            seen.put(f, text);
            try {
                Applied a = apply(writer, f, text);
                LOG.info(f + " changed: " + describe(a));
            } catch (ClipGuardException e) {
                LOG.warning(f + " changed but was not applied: " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.warning(f + " changed but could not be applied: " + e);
            }
        }
    }

    /** What happened, in words, for the log. */
    public static String describe(Applied a) {
        if (a.skipped() != null) {
            return "skipped, " + a.skipped();
        }
        return switch (a.result().result()) {
            case UNCHANGED -> "unchanged since it was last applied";
            case PUBLISHED -> a.policyId() + " v" + a.result().version() + " published";
            case DRAFTED -> a.policyId() + " v" + a.result().version() + " saved as a draft for a publisher (two-person rule)";
        };
    }

    private static Applied apply(PolicyWriter writer, Path file, String text) {
        String id = PolicyFiles.parseVersion(null, text, 1).id();
        try {
            return new Applied(file, writer.applyFile(text, file.toString(), "file:" + file), null);
        } catch (ClipGuardException e) {
            if (ErrorCode.POLICY_MODEL_MISMATCH.equals(e.code())) {
                return new Applied(file, new PolicyWriter.FileApplied(id, PolicyWriter.FileApplied.Result.UNCHANGED, null), e.getMessage());
            }
            throw e;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, file + ": cannot read: " + e.getMessage());
        }
    }

    private static String safeRead(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public synchronized void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }
}
