package io.clipguard.clip.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * CLIP's tokenizer, read from a Hugging Face {@code tokenizer.json}: normalise, split,
 * byte-level encode, BPE, add start/end tokens, then pad or truncate to the context length.
 * Pure Java: no native library and no network. Thread-safe.
 */
public final class ClipTokenizer {
    private final UnaryOperator<String> normalizer;
    private final Function<List<String>, List<String>> preTokenizer;
    private final BytePairEncoding bpe;
    private final Map<String, Integer> addedTokens;
    private final int startId;
    private final int endId;
    private final int padId;

    private ClipTokenizer(UnaryOperator<String> normalizer, Function<List<String>, List<String>> preTokenizer,
                          BytePairEncoding bpe, Map<String, Integer> addedTokens, int startId, int endId, int padId) {
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.bpe = bpe;
        this.addedTokens = addedTokens;
        this.startId = startId;
        this.endId = endId;
        this.padId = padId;
    }

    /** Input ids and attention mask, both of the context length. */
    public record Encoding(long[] inputIds, long[] attentionMask, int tokenCount, boolean truncated) {
    }

    public static ClipTokenizer load(Path tokenizerJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(tokenizerJson.toFile());
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, tokenizerJson + ": cannot read tokenizer JSON: " + e.getMessage());
        }
        try {
            return fromJson(root);
        } catch (ClipGuardException e) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, tokenizerJson + ": " + e.getMessage());
        }
    }

    static ClipTokenizer fromJson(JsonNode root) {
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText("BPE")) || !model.has("vocab")) {
            throw TokenizerJson.unsupported("model", model.path("type").asText("(missing)"));
        }
        Map<String, Integer> vocab = new HashMap<>();
        model.path("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        Map<String, Integer> ranks = new HashMap<>();
        JsonNode merges = model.path("merges");
        for (int i = 0; i < merges.size(); i++) {
            JsonNode m = merges.get(i);
            ranks.put(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText(), i);
        }
        Map<String, Integer> added = new HashMap<>();
        root.path("added_tokens").forEach(t -> added.put(t.path("content").asText(), t.path("id").asInt()));
        added.forEach(vocab::putIfAbsent);

        String unk = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
        BytePairEncoding bpe = new BytePairEncoding(vocab, ranks,
                model.path("end_of_word_suffix").asText(""), unk == null ? null : vocab.get(unk));

        int[] specials = specialTokens(root.path("post_processor"), vocab);
        JsonNode padding = root.path("padding");
        int pad = padding.isObject() ? padding.path("pad_id").asInt(specials[1]) : specials[1];
        return new ClipTokenizer(TextNormalizer.from(root.get("normalizer")),
                PreTokenizer.from(root.get("pre_tokenizer")), bpe, added, specials[0], specials[1], pad);
    }

    /** {start id, end id} from the post-processor (RobertaProcessing or a single TemplateProcessing). */
    private static int[] specialTokens(JsonNode post, Map<String, Integer> vocab) {
        String type = post.path("type").asText("(missing)");
        switch (type) {
            case "RobertaProcessing", "BertProcessing" -> {
                return new int[] {post.path("cls").get(1).asInt(), post.path("sep").get(1).asInt()};
            }
            case "TemplateProcessing" -> {
                JsonNode single = post.path("single");
                if (single.size() != 3 || !single.get(0).has("SpecialToken") || !single.get(2).has("SpecialToken")) {
                    throw new ClipGuardException(ErrorCode.MODEL_INVALID, "TemplateProcessing must be [SpecialToken, Sequence, SpecialToken], found " + single);
                }
                return new int[] {idOf(vocab, single.get(0).get("SpecialToken").path("id").asText()),
                        idOf(vocab, single.get(2).get("SpecialToken").path("id").asText())};
            }
            default -> throw TokenizerJson.unsupported("post_processor", type);
        }
    }

    private static int idOf(Map<String, Integer> vocab, String token) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new ClipGuardException(ErrorCode.MODEL_INVALID, "special token '" + token + "' is not in the vocabulary");
        }
        return id;
    }

    /** Token ids of {@code text} with start and end tokens, unpadded and untruncated. */
    public int[] tokenize(String text) {
        List<Integer> ids = new ArrayList<>();
        ids.add(startId);
        for (String segment : splitOnAddedTokens(text)) {
            Integer special = addedTokens.get(segment);
            if (special != null) {
                ids.add(special);
                continue;
            }
            List<String> words = preTokenizer.apply(List.of(normalizer.apply(segment)));
            for (String word : words) {
                for (int id : bpe.encodeWord(word)) {
                    ids.add(id);
                }
            }
        }
        ids.add(endId);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Encodes to exactly {@code contextLength} ids: too long a text keeps its first
     * {@code contextLength - 1} tokens and ends with the end token, as CLIP's truncation does.
     */
    public Encoding encode(String text, int contextLength) {
        int[] ids = tokenize(text);
        boolean truncated = ids.length > contextLength;
        if (truncated) {
            ids = Arrays.copyOf(ids, contextLength);
            ids[contextLength - 1] = endId;
        }
        long[] inputIds = new long[contextLength];
        long[] mask = new long[contextLength];
        Arrays.fill(inputIds, padId);
        for (int i = 0; i < ids.length; i++) {
            inputIds[i] = ids[i];
            mask[i] = 1;
        }
        return new Encoding(inputIds, mask, ids.length, truncated);
    }

    public int startId() {
        return startId;
    }

    public int endId() {
        return endId;
    }

    private List<String> splitOnAddedTokens(String text) {
        List<String> segments = new ArrayList<>();
        int from = 0;
        while (from < text.length()) {
            int best = -1;
            String bestToken = null;
            for (String token : addedTokens.keySet()) {
                int at = text.indexOf(token, from);
                if (at >= 0 && (best < 0 || at < best)) {
                    best = at;
                    bestToken = token;
                }
            }
            if (best < 0) {
                segments.add(text.substring(from));
                break;
            }
            if (best > from) {
                segments.add(text.substring(from, best));
            }
            segments.add(bestToken);
            from = best + bestToken.length();
        }
        return segments;
    }
}
