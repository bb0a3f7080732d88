package io.clipguard.evaluation;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A labelled sample on disk: one folder per category id holding images that show it, and
 * {@code benign/} holding images that should trigger nothing. Optionally a CSV of
 * {@code image,group} lines (paths relative to the labels folder) for the bias audit.
 */
public final class LabelledImages {
    public static final String BENIGN = "benign";
    private static final Set<String> IMAGES = Set.of("jpg", "jpeg", "png", "gif", "bmp", "webp");

    /** One image: where it is (relative to the labels folder), its label, its group (or null). */
    public record Item(Path file, String relative, String label, String group) {
    }

    private final List<Item> items;

    private LabelledImages(List<Item> items) {
        this.items = items;
    }

    /** Reads {@code root}; every sub-folder must be a category of {@code categories} or {@code benign}. */
    public static LabelledImages read(Path root, Set<String> categories, Path groupsCsv) {
        if (!Files.isDirectory(root)) {
            throw new ClipGuardException(ErrorCode.FILE_NOT_FOUND, root + ": not a folder of labelled images");
        }
        Map<String, String> groups = groupsCsv == null ? Map.of() : groups(groupsCsv);
        List<Item> items = new ArrayList<>();
        try (Stream<Path> folders = Files.list(root)) {
            for (Path folder : folders.filter(Files::isDirectory).sorted().toList()) {
                String label = folder.getFileName().toString();
                if (!label.equals(BENIGN) && !categories.contains(label)) {
                    throw new ClipGuardException(ErrorCode.INVALID_ARGUMENT, folder + ": not a category of the policy " + categories
                            + " nor " + BENIGN + "/");
                }
                try (Stream<Path> files = Files.walk(folder)) {
                    for (Path f : files.filter(Files::isRegularFile).filter(LabelledImages::isImage).sorted().toList()) {
                        String relative = root.relativize(f).toString().replace('\\', '/');
                        items.add(new Item(f, relative, label, groups.get(relative)));
                    }
                }
            }
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.FILE_UNREADABLE, root + ": " + e.getMessage());
        }
        if (items.isEmpty()) {
            throw new ClipGuardException(ErrorCode.INVALID_ARGUMENT, root + ": no images (expected one folder per category id and benign/)");
        }
        return new LabelledImages(items);
    }

    public List<Item> items() {
        return items;
    }

    private static boolean isImage(Path f) {
        String name = f.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && IMAGES.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** {@code image,group} lines; a header line {@code image,group} is allowed. */
    private static Map<String, String> groups(Path csv) {
        Map<String, String> out = new HashMap<>();
        try {
            for (String line : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
                String[] f = line.split(",", 2);
                if (line.isBlank() || f.length < 2 || (f[0].trim().equals("image") && f[1].trim().equals("group"))) {
                    continue;
                }
                out.put(f[0].trim(), f[1].trim());
            }
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.FILE_UNREADABLE, csv + ": " + e.getMessage());
        }
        return out;
    }
}
