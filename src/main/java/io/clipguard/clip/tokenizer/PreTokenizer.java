package io.clipguard.clip.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code pre_tokenizer} section of a {@code tokenizer.json}: splits normalised text into
 * words (CLIP: its split regex, then the byte-level alphabet).
 */
final class PreTokenizer {
    /** GPT-2's split, used by ByteLevel when {@code use_regex} is true. */
    private static final Pattern GPT2_SPLIT = TokenizerJson.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
    private static final Pattern WHITESPACE_SPLIT = TokenizerJson.compile("\\w+|[^\\w\\s]+");
    private static final Pattern WHITESPACE = TokenizerJson.compile("\\s+");

    private PreTokenizer() {
    }

    static Function<List<String>, List<String>> from(JsonNode node) {
        if (node == null || node.isNull()) {
            return words -> words;
        }
        String type = node.path("type").asText();
        return switch (type) {
            case "Sequence" -> sequence(node.path("pretokenizers"));
            case "Split" -> split(TokenizerJson.pattern(node.path("pattern"), "pre_tokenizer Split"),
                    node.path("behavior").asText(), node.path("invert").asBoolean(false));
            case "Whitespace" -> words -> flatMap(words, w -> matches(WHITESPACE_SPLIT, w));
            case "WhitespaceSplit" -> words -> flatMap(words, w -> List.of(WHITESPACE.split(w.strip())));
            case "ByteLevel" -> byteLevel(node.path("add_prefix_space").asBoolean(false),
                    node.path("use_regex").asBoolean(true));
            default -> throw TokenizerJson.unsupported("pre_tokenizer", type);
        };
    }

    private static Function<List<String>, List<String>> sequence(JsonNode steps) {
        List<Function<List<String>, List<String>>> ops = new ArrayList<>();
        steps.forEach(step -> ops.add(from(step)));
        return words -> {
            for (Function<List<String>, List<String>> op : ops) {
                words = op.apply(words);
            }
            return words;
        };
    }

    private static Function<List<String>, List<String>> split(Pattern pattern, String behavior, boolean invert) {
        if (!behavior.equals("Removed") && !behavior.equals("Isolated")) {
            throw TokenizerJson.unsupported("pre_tokenizer Split behavior", behavior);
        }
        boolean keepMatches = invert || behavior.equals("Isolated");
        boolean keepGaps = !invert || behavior.equals("Isolated");
        return words -> flatMap(words, word -> {
            List<String> pieces = new ArrayList<>();
            Matcher m = pattern.matcher(word);
            int last = 0;
            while (m.find()) {
                if (keepGaps && m.start() > last) {
                    pieces.add(word.substring(last, m.start()));
                }
                if (keepMatches && m.end() > m.start()) {
                    pieces.add(m.group());
                }
                last = m.end();
            }
            if (keepGaps && last < word.length()) {
                pieces.add(word.substring(last));
            }
            return pieces;
        });
    }

    private static Function<List<String>, List<String>> byteLevel(boolean addPrefixSpace, boolean useRegex) {
        return words -> flatMap(words, word -> {
            String w = addPrefixSpace && !word.startsWith(" ") ? " " + word : word;
            List<String> pieces = useRegex ? matches(GPT2_SPLIT, w) : List.of(w);
            List<String> encoded = new ArrayList<>(pieces.size());
            pieces.forEach(p -> encoded.add(ByteLevel.encode(p)));
            return encoded;
        });
    }

    private static List<String> matches(Pattern pattern, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    private static List<String> flatMap(List<String> words, Function<String, List<String>> f) {
        List<String> out = new ArrayList<>();
        for (String w : words) {
            if (!w.isEmpty()) {
                out.addAll(f.apply(w));
            }
        }
        return out;
    }
}
