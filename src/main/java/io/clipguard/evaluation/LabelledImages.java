package io.clipguard.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A labelled sample on disk: one folder per category id holding images that show it, and
 * {@code benign/} holding images that should trigger nothing. Optionally a manifest of what each
 * image shows of the people and contexts in it, for the bias audit (paths relative to the labels
 * folder): a CSV whose header names the columns ({@code image,skin_tone,age}; the older
 * {@code image,group} lines without a header mean one attribute, {@code group}), or JSON lines
 * ({@code {"image": "...", "skin_tone": "...", "age": "..."}}).
 */
public final class LabelledImages {
    public static final String BENIGN = "benign";
    private static final Set<String> IMAGES = Set.of("jpg", "jpeg", "png", "gif", "bmp", "webp");

    /** One image: where it is (relative to the labels folder), its label, its attributes (possibly none). */
    public record Item(Path file, String relative, String label, Map<String, String> attributes) {
    }

    private final List<Item> items;

    private LabelledImages(List<Item> items) {
        this.items = items;
    }

    /** Reads {@code root}; every sub-folder must be a category of {@code categories} or {@code benign}. */
    public static LabelledImages read(Path root, Set<String> categories, Path manifest) {
        if (!Files.isDirectory(root)) {
            throw new ClipGuardException(ErrorCode.FILE_NOT_FOUND, root + ": not a folder of labelled images");
        }
        Map<String, Map<String, String>> attributes = manifest == null ? Map.of() : attributes(manifest);
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
                        items.add(new Item(f, relative, label, attributes.getOrDefault(relative, Map.of())));
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

    /** The manifest's attributes per image: JSON lines when the file ends in .jsonl, else CSV. */
    static Map<String, Map<String, String>> attributes(Path manifest) {
        Map<String, Map<String, String>> out = new HashMap<>();
        try {
            List<String> lines = Files.readAllLines(manifest, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
            if (manifest.toString().endsWith(".jsonl")) {
                ObjectMapper json = new ObjectMapper();
                for (String line : lines) {
                    JsonNode node = json.readTree(line);
                    Map<String, String> a = new TreeMap<>();
                    node.fields().forEachRemaining(f -> {
                        if (!f.getKey().equals("image")) {
                            a.put(f.getKey(), f.getValue().asText());
                        }
                    });
                    out.put(node.path("image").asText(), a);
                }
                return out;
            }
            String[] header = lines.isEmpty() ? new String[0] : lines.get(0).split(",", -1);
            boolean named = header.length > 0 && header[0].trim().equals("image");
            List<String> columns = named ? List.of(header).subList(1, header.length).stream().map(String::trim).toList() : List.of("group");
            for (String line : named ? lines.subList(1, lines.size()) : lines) {
                String[] f = line.split(",", -1);
                Map<String, String> a = new TreeMap<>();
                for (int i = 0; i < columns.size() && i + 1 < f.length; i++) {
                    if (!f[i + 1].isBlank()) {
                        a.put(columns.get(i), f[i + 1].trim());
                    }
                }
                out.put(f[0].trim(), a);
            }
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.FILE_UNREADABLE, manifest + ": " + e.getMessage());
        }
        return out;
    }
}
