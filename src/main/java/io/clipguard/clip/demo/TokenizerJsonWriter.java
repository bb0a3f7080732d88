package io.clipguard.clip.demo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders a vocabulary as a {@code tokenizer.json} in the exact shape Hugging Face uses for CLIP. */
public final class TokenizerJsonWriter {
    /** CLIP's split: special tokens, contractions, letter runs, single digits, other symbol runs. */
    public static final String CLIP_SPLIT =
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

    private TokenizerJsonWriter() {
    }

    public static Map<String, Object> clipTokenizer(DemoVocabulary v) {
        return clipTokenizer(v.vocab(), v.merges());
    }

    public static Map<String, Object> clipTokenizer(Map<String, Integer> vocab, List<String> merges) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        root.put("added_tokens", List.of(added(vocab, DemoVocabulary.START), added(vocab, DemoVocabulary.END)));
        root.put("normalizer", Map.of("type", "Sequence", "normalizers", List.of(
                Map.of("type", "NFC"),
                Map.of("type", "Replace", "pattern", Map.of("Regex", "\\s+"), "content", " "),
                Map.of("type", "Lowercase"))));
        root.put("pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(
                ordered("type", "Split", "pattern", Map.of("Regex", CLIP_SPLIT), "behavior", "Removed", "invert", true),
                ordered("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", true, "use_regex", false))));
        root.put("post_processor", ordered("type", "RobertaProcessing",
                "sep", List.of(DemoVocabulary.END, vocab.get(DemoVocabulary.END)),
                "cls", List.of(DemoVocabulary.START, vocab.get(DemoVocabulary.START)),
                "trim_offsets", false, "add_prefix_space", false));
        root.put("decoder", ordered("type", "ByteLevel", "add_prefix_space", true, "trim_offsets", true, "use_regex", true));
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", DemoVocabulary.END);
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", DemoVocabulary.SUFFIX);
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("vocab", vocab);
        model.put("merges", merges);
        root.put("model", model);
        return root;
    }

    private static Map<String, Object> added(Map<String, Integer> vocab, String token) {
        return ordered("id", vocab.get(token), "content", token, "single_word", false, "lstrip", false,
                "rstrip", false, "normalized", true, "special", true);
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
