package io.clipguard.clip.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code normalizer} section of a {@code tokenizer.json}: the supported subset, composed. */
final class TextNormalizer {
    private TextNormalizer() {
    }

    static UnaryOperator<String> from(JsonNode node) {
        if (node == null || node.isNull()) {
            return UnaryOperator.identity();
        }
        String type = node.path("type").asText();
        return switch (type) {
            case "Sequence" -> sequence(node.path("normalizers"));
            case "NFC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFC);
            case "NFD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFD);
            case "NFKC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
            case "NFKD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
            case "Lowercase" -> s -> s.toLowerCase(Locale.ROOT);
            case "Strip" -> strip(node.path("strip_left").asBoolean(true), node.path("strip_right").asBoolean(true));
            case "Replace" -> replace(TokenizerJson.pattern(node.path("pattern"), "normalizer Replace"),
                    node.path("content").asText());
            default -> throw TokenizerJson.unsupported("normalizer", type);
        };
    }

    private static UnaryOperator<String> sequence(JsonNode steps) {
        List<UnaryOperator<String>> ops = new ArrayList<>();
        steps.forEach(step -> ops.add(from(step)));
        return s -> {
            for (UnaryOperator<String> op : ops) {
                s = op.apply(s);
            }
            return s;
        };
    }

    private static UnaryOperator<String> strip(boolean left, boolean right) {
        return s -> left && right ? s.strip() : left ? s.stripLeading() : right ? s.stripTrailing() : s;
    }

    private static UnaryOperator<String> replace(Pattern pattern, String content) {
        String literal = Matcher.quoteReplacement(content);
        return s -> pattern.matcher(s).replaceAll(literal);
    }
}
