package io.clipguard.clip.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipguard.clip.ModelException;
import java.util.regex.Pattern;

/** Shared helpers for reading the sections of a Hugging Face {@code tokenizer.json}. */
final class TokenizerJson {
    private TokenizerJson() {
    }

    /** A {@code {"Regex": ...}} or {@code {"String": ...}} pattern object. */
    static Pattern pattern(JsonNode node, String where) {
        if (node.has("Regex")) {
            return Pattern.compile(node.get("Regex").asText());
        }
        if (node.has("String")) {
            return Pattern.compile(Pattern.quote(node.get("String").asText()));
        }
        throw ModelException.invalid("tokenizer.json: " + where + " pattern must be {\"Regex\":...} or {\"String\":...}, found " + node);
    }

    static ModelException unsupported(String component, String type) {
        return ModelException.invalid("tokenizer.json: unsupported " + component + " '" + type
                + "' (supported: CLIP's NFC/Lowercase/Replace normalizers, Split/ByteLevel pre-tokenizers, "
                + "BPE model, RobertaProcessing/TemplateProcessing post-processors)");
    }
}
