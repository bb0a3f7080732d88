package io.clipguard.clip.demo;

import io.clipguard.clip.tokenizer.ByteLevel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A CLIP-format BPE vocabulary for the demo world, trained deterministically on its word
 * list: CLIP's byte alphabet (256 symbols, then the same with {@code </w>}), one merge at a
 * time (most frequent pair, ties broken alphabetically) until every word is one token,
 * then the start and end tokens.
 */
public final class DemoVocabulary {
    public static final String START = "<|startoftext|>";
    public static final String END = "<|endoftext|>";
    static final String SUFFIX = "</w>";

    /** Words the demo text tower gives meaning to, plus common caption words. */
    static final List<String> WORDS = List.of(
            "red", "green", "blue", "yellow",
            "circle", "circles", "square", "squares", "triangle", "triangles",
            "a", "an", "the", "photo", "of", "picture", "image", "drawing", "shape", "this", "is",
            "small", "large", "big", "on", "background", "white", "black", "grey", "gray", "brown");

    private final Map<String, Integer> vocab = new LinkedHashMap<>();
    private final List<String> merges = new ArrayList<>();

    public DemoVocabulary() {
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevel.charFor(b)), vocab.size());
        }
        for (int b = 0; b < 256; b++) {
            vocab.put(ByteLevel.charFor(b) + SUFFIX, vocab.size());
        }
        train();
        vocab.put(START, vocab.size());
        vocab.put(END, vocab.size());
    }

    public Map<String, Integer> vocab() {
        return vocab;
    }

    public List<String> merges() {
        return merges;
    }

    public int size() {
        return vocab.size();
    }

    /** Id of a whole word's token, e.g. {@code idOfWord("red")} is the id of {@code red</w>}. */
    public int idOfWord(String word) {
        Integer id = vocab.get(word + SUFFIX);
        if (id == null) {
            throw new IllegalArgumentException("not a demo word: " + word);
        }
        return id;
    }

    private void train() {
        List<List<String>> words = new ArrayList<>();
        for (String w : WORDS) {
            List<String> symbols = new ArrayList<>();
            for (int i = 0; i < w.length(); i++) {
                symbols.add(String.valueOf(w.charAt(i)));
            }
            symbols.set(symbols.size() - 1, symbols.get(symbols.size() - 1) + SUFFIX);
            words.add(symbols);
        }
        while (true) {
            TreeMap<String, Integer> pairCounts = new TreeMap<>();
            for (List<String> w : words) {
                for (int i = 0; i + 1 < w.size(); i++) {
                    pairCounts.merge(w.get(i) + " " + w.get(i + 1), 1, Integer::sum);
                }
            }
            if (pairCounts.isEmpty()) {
                return;
            }
            String best = null;
            int bestCount = 0;
            for (Map.Entry<String, Integer> e : pairCounts.entrySet()) {
                if (e.getValue() > bestCount) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            String[] pair = best.split(" ");
            merges.add(best);
            vocab.putIfAbsent(pair[0] + pair[1], vocab.size());
            for (List<String> w : words) {
                for (int i = 0; i + 1 < w.size(); i++) {
                    if (w.get(i).equals(pair[0]) && w.get(i + 1).equals(pair[1])) {
                        w.set(i, pair[0] + pair[1]);
                        w.remove(i + 1);
                    }
                }
            }
        }
    }
}
