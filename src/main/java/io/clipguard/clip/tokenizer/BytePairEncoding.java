package io.clipguard.clip.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of a CLIP tokenizer: splits a word into characters, marks the last with the
 * end-of-word suffix ({@code </w>}), then applies merges in rank order until none applies.
 */
final class BytePairEncoding {
    private static final int CACHE_LIMIT = 50_000;

    private final Map<String, Integer> vocab;
    private final Map<String, Integer> mergeRanks;
    private final String endOfWordSuffix;
    private final Integer unknownId;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BytePairEncoding(Map<String, Integer> vocab, Map<String, Integer> mergeRanks,
                     String endOfWordSuffix, Integer unknownId) {
        this.vocab = vocab;
        this.mergeRanks = mergeRanks;
        this.endOfWordSuffix = endOfWordSuffix;
        this.unknownId = unknownId;
    }

    int[] encodeWord(String word) {
        int[] cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        List<String> symbols = merge(split(word));
        int[] ids = new int[symbols.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = vocab.get(symbols.get(i));
            if (id == null) {
                if (unknownId == null) {
                    throw new IllegalArgumentException("symbol '" + symbols.get(i) + "' is not in the vocabulary and no unk_token is set");
                }
                id = unknownId;
            }
            ids[i] = id;
        }
        if (cache.size() < CACHE_LIMIT) {
            cache.put(word, ids);
        }
        return ids;
    }

    private List<String> split(String word) {
        List<String> symbols = new ArrayList<>(word.length());
        word.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
        int last = symbols.size() - 1;
        symbols.set(last, symbols.get(last) + endOfWordSuffix);
        return symbols;
    }

    private List<String> merge(List<String> symbols) {
        while (symbols.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            int bestAt = -1;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = mergeRanks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    bestAt = i;
                }
            }
            if (bestAt < 0) {
                break;
            }
            String left = symbols.get(bestAt);
            String right = symbols.get(bestAt + 1);
            List<String> merged = new ArrayList<>(symbols.size());
            for (int i = 0; i < symbols.size(); i++) {
                if (i + 1 < symbols.size() && symbols.get(i).equals(left) && symbols.get(i + 1).equals(right)) {
                    merged.add(left + right);
                    i++;
                } else {
                    merged.add(symbols.get(i));
                }
            }
            symbols = merged;
        }
        return symbols;
    }
}
