package io.clipguard.clip;

/**
 * Which model produced an embedding: a readable id and a sha256 digest over the ONNX files
 * and {@code tokenizer.json}. Decisions carry both, so a score can be reproduced exactly.
 */
public record ModelIdentity(String id, String digest) {
}
