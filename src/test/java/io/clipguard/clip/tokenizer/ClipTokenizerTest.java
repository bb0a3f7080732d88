package io.clipguard.clip.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.clip.demo.DemoVocabulary;
import io.clipguard.clip.demo.TokenizerJsonWriter;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final DemoVocabulary demo = new DemoVocabulary();

    private ClipTokenizer write(Path dir, Map<String, Object> json) throws Exception {
        Path file = dir.resolve("tokenizer.json");
        JSON.writeValue(file.toFile(), json);
        return ClipTokenizer.load(file);
    }

    private ClipTokenizer demoTokenizer(Path dir) throws Exception {
        return write(dir, TokenizerJsonWriter.clipTokenizer(demo));
    }

    @Test
    void wholeWordsBecomeSingleTokensBetweenStartAndEnd(@TempDir Path dir) throws Exception {
        ClipTokenizer t = demoTokenizer(dir);
        assertThat(t.tokenize("a photo of a red triangle")).containsExactly(
                t.startId(), demo.idOfWord("a"), demo.idOfWord("photo"), demo.idOfWord("of"), demo.idOfWord("a"),
                demo.idOfWord("red"), demo.idOfWord("triangle"), t.endId());
    }

    @Test
    void normalisesCaseWhitespaceAndUnicodeComposition(@TempDir Path dir) throws Exception {
        ClipTokenizer t = demoTokenizer(dir);
        assertThat(t.tokenize("  A   PHOTO\tof a\n RED   Triangle ")).containsExactly(t.tokenize("a photo of a red triangle"));
        // NFC: "e" + combining acute and the precomposed "é" give the same ids.
        assertThat(t.tokenize("cafe\u0301")).containsExactly(t.tokenize("caf\u00e9"));
    }

    @Test
    void unicodeWhitespaceIsWhitespaceAsInHuggingFacesTokenizer(@TempDir Path dir) throws Exception {
        ClipTokenizer t = demoTokenizer(dir);
        // A pasted non-breaking space, an em space and a narrow no-break space separate words as a space does.
        assertThat(t.tokenize("a\u00A0photo\u2003of a\u202Fred triangle")).containsExactly(t.tokenize("a photo of a red triangle"));
    }

    @Test
    void unicodeRoundTripsThroughByteLevelTokens(@TempDir Path dir) throws Exception {
        ClipTokenizer t = demoTokenizer(dir);
        String text = "naïve café — 東京 🙂 red";
        int[] ids = t.tokenize(text);
        assertThat(decode(ids, t)).isEqualTo("naïve café — 東京 🙂 red");
        assertThat(ids).doesNotContain(demo.vocab().get(DemoVocabulary.END) + 1);
    }

    @Test
    void longTextIsTruncatedToContextEndingWithEndToken(@TempDir Path dir) throws Exception {
        ClipTokenizer t = demoTokenizer(dir);
        String longText = String.join(" ", java.util.Collections.nCopies(100, "red"));
        ClipTokenizer.Encoding e = t.encode(longText, 77);
        assertThat(e.truncated()).isTrue();
        assertThat(e.inputIds()).hasSize(77);
        assertThat(e.inputIds()[0]).isEqualTo(t.startId());
        assertThat(e.inputIds()[76]).isEqualTo(t.endId());
        assertThat(e.inputIds()[75]).isEqualTo(demo.idOfWord("red"));
        assertThat(e.attentionMask()).containsOnly(1L);
    }

    @Test
    void shortTextIsPaddedWithEndTokenAndMaskedOut(@TempDir Path dir) throws Exception {
        ClipTokenizer t = demoTokenizer(dir);
        ClipTokenizer.Encoding e = t.encode("red", 8);
        assertThat(e.inputIds()).containsExactly(t.startId(), demo.idOfWord("red"), t.endId(), t.endId(), t.endId(), t.endId(), t.endId(), t.endId());
        assertThat(e.attentionMask()).containsExactly(1, 1, 1, 0, 0, 0, 0, 0);
        assertThat(e.truncated()).isFalse();
    }

    @Test
    void mergesApplyInRankOrderNotTextOrder(@TempDir Path dir) throws Exception {
        Map<String, Integer> vocab = byteVocabulary();
        vocab.put("ab", vocab.size());
        vocab.put("bc</w>", vocab.size());
        addSpecials(vocab);
        ClipTokenizer abFirst = write(dir, TokenizerJsonWriter.clipTokenizer(vocab, List.of("a b", "b c</w>")));
        assertThat(abFirst.tokenize("abc")).containsExactly(abFirst.startId(), vocab.get("ab"), vocab.get("c</w>"), abFirst.endId());
        ClipTokenizer bcFirst = write(dir, TokenizerJsonWriter.clipTokenizer(vocab, List.of("b c</w>", "a b")));
        assertThat(bcFirst.tokenize("abc")).containsExactly(bcFirst.startId(), vocab.get("a"), vocab.get("bc</w>"), bcFirst.endId());
    }

    @Test
    void mergesInPairArrayFormReadTheSame(@TempDir Path dir) throws Exception {
        Map<String, Object> json = TokenizerJsonWriter.clipTokenizer(demo);
        @SuppressWarnings("unchecked")
        Map<String, Object> model = new LinkedHashMap<>((Map<String, Object>) json.get("model"));
        model.put("merges", demo.merges().stream().map(m -> List.of(m.split(" "))).toList());
        Map<String, Object> pairs = new LinkedHashMap<>(json);
        pairs.put("model", model);
        assertThat(write(dir, pairs).tokenize("a photo of a blue square"))
                .containsExactly(demoTokenizer(dir).tokenize("a photo of a blue square"));
    }

    @Test
    void specialTokensInTextMapToTheirIds(@TempDir Path dir) throws Exception {
        ClipTokenizer t = demoTokenizer(dir);
        assertThat(t.tokenize("red<|endoftext|>blue")).containsExactly(
                t.startId(), demo.idOfWord("red"), t.endId(), demo.idOfWord("blue"), t.endId());
        assertThat(t.startId()).isEqualTo(demo.vocab().get(DemoVocabulary.START));
        assertThat(t.endId()).isEqualTo(demo.vocab().get(DemoVocabulary.END));
    }

    @Test
    void contractionsAndPunctuationSplitAsClipDoes(@TempDir Path dir) throws Exception {
        ClipTokenizer t = demoTokenizer(dir);
        int[] ids = t.tokenize("it's red.");
        // "it", "'s", "red", "." : four words, the last one the single byte "." with </w>.
        assertThat(ids[ids.length - 2]).isEqualTo(demo.vocab().get(".</w>"));
        assertThat(decode(ids, t)).isEqualTo("it 's red .");
    }

    @Test
    void unsupportedComponentsAreClearErrors(@TempDir Path dir) {
        Map<String, Object> json = new LinkedHashMap<>(TokenizerJsonWriter.clipTokenizer(demo));
        json.put("normalizer", Map.of("type", "BertNormalizer"));
        assertThatThrownBy(() -> write(dir, json))
                .isInstanceOf(ClipGuardException.class)
                .hasMessageContaining("unsupported normalizer 'BertNormalizer'")
                .extracting(e -> ((ClipGuardException) e).code()).isEqualTo(ErrorCode.MODEL_INVALID);

        Map<String, Object> wordPiece = new LinkedHashMap<>(TokenizerJsonWriter.clipTokenizer(demo));
        wordPiece.put("model", Map.of("type", "WordPiece", "vocab", Map.of()));
        assertThatThrownBy(() -> write(dir, wordPiece)).isInstanceOf(ClipGuardException.class).hasMessageContaining("WordPiece");
    }

    /** Inverse of the tokenizer for tests: ids to words joined by spaces. */
    private String decode(int[] ids, ClipTokenizer t) {
        Map<Integer, String> inverse = new HashMap<>();
        demo.vocab().forEach((k, v) -> inverse.put(v, k));
        Map<Character, Integer> byteOf = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            byteOf.put(ByteLevel.charFor(b), b);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 1; i < ids.length - 1; i++) {
            String token = inverse.get(ids[i]);
            boolean endOfWord = token.endsWith("</w>");
            for (char c : token.replace("</w>", "").toCharArray()) {
                out.write(byteOf.get(c));
            }
            if (endOfWord && i < ids.length - 2) {
                out.write(' ');
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static Map<String, Integer> byteVocabulary() {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevel.charFor(b)), vocab.size());
        }
        for (int b = 0; b < 256; b++) {
            vocab.put(ByteLevel.charFor(b) + "</w>", vocab.size());
        }
        return vocab;
    }

    private static void addSpecials(Map<String, Integer> vocab) {
        vocab.put(DemoVocabulary.START, vocab.size());
        vocab.put(DemoVocabulary.END, vocab.size());
    }
}
