package io.clipguard.clip.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.util.regex.Pattern;

/** Shared helpers for reading the sections of a Hugging Face {@code tokenizer.json}. */
final class TokenizerJson {
    private TokenizerJson() {
    }

    /**
     * Compiles a tokenizer pattern as Hugging Face's tokenizers does (Oniguruma over UTF-8):
     * {@code \s}, {@code \w} and {@code \d} are Unicode classes. Java's are ASCII-only by default,
     * so a pasted non-breaking space would split a prompt differently from the model's own tokenizer.
     */
    static Pattern compile(String regex) {
        return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    }

    /** A {@code {"Regex": ...}} or {@code {"String": ...}} pattern object. */
    static Pattern pattern(JsonNode node, String where) {
        if (node.has("Regex")) {
            return compile(node.get("Regex").asText());
        }
        if (node.has("String")) {
            return Pattern.compile(Pattern.quote(node.get("String").asText()));
        }
        throw new ClipGuardException(ErrorCode.MODEL_INVALID, "tokenizer.json: " + where + " pattern must be {\"Regex\":...} or {\"String\":...}, found " + node);
    }

    static ClipGuardException unsupported(String component, String type) {
        return new ClipGuardException(ErrorCode.MODEL_INVALID, "tokenizer.json: unsupported " + component + " '" + type
                + "' (supported: CLIP's NFC/Lowercase/Replace normalizers, Split/ByteLevel pre-tokenizers, "
                + "BPE model, RobertaProcessing/TemplateProcessing post-processors)");
    }
}
