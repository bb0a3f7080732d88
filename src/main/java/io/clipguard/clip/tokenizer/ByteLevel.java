package io.clipguard.clip.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-character table, which CLIP's BPE uses: every UTF-8 byte
 * maps to one printable character, so merges never see whitespace or control bytes.
 */
public final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = buildTable();

    private ByteLevel() {
    }

    /** The text's UTF-8 bytes, each replaced by its printable stand-in. */
    public static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        return sb.toString();
    }

    /** The stand-in for byte {@code b}, in byte order; the first 256 entries of CLIP's vocabulary. */
    public static char charFor(int b) {
        return BYTE_TO_CHAR[b];
    }

    private static char[] buildTable() {
        char[] table = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            table[b] = printable[b] ? (char) b : (char) next++;
        }
        return table;
    }
}
