package io.clipguard.policy.catalog;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff of two documents in unified format (longest common subsequence, three lines
 * of context): what a reviewer reads in a policy-change record or the editor's diff view.
 * Policies are small (256 KiB at most, a few hundred lines), so the quadratic table is fine.
 */
public final class TextDiff {
    private static final int CONTEXT = 3;

    private TextDiff() {
    }

    public static String unified(String from, String to, String fromName, String toName) {
        List<String> a = from.lines().toList();
        List<String> b = to.lines().toList();
        List<String> ops = edits(a, b);
        if (ops.stream().allMatch(o -> o.charAt(0) == ' ')) {
            return "";
        }
        StringBuilder out = new StringBuilder("--- ").append(fromName).append('\n').append("+++ ").append(toName).append('\n');
        List<Integer> changed = new ArrayList<>();
        for (int k = 0; k < ops.size(); k++) {
            if (ops.get(k).charAt(0) != ' ') {
                changed.add(k);
            }
        }
        int first = 0;
        while (first < changed.size()) {
            int last = first;
            while (last + 1 < changed.size() && changed.get(last + 1) - changed.get(last) <= 2 * CONTEXT) {
                last++;
            }
            int start = Math.max(0, changed.get(first) - CONTEXT);
            int end = Math.min(ops.size(), changed.get(last) + CONTEXT + 1);
            int[] at = position(ops, start);
            int[] after = position(ops, end);
            out.append(String.format("@@ -%d,%d +%d,%d @@%n", at[0] + 1, after[0] - at[0], at[1] + 1, after[1] - at[1]));
            for (int k = start; k < end; k++) {
                out.append(ops.get(k)).append('\n');
            }
            first = last + 1;
        }
        return out.toString();
    }

    /** Line numbers (0-based) in the old and new document where op {@code upTo} starts. */
    private static int[] position(List<String> ops, int upTo) {
        int x = 0;
        int y = 0;
        for (int k = 0; k < upTo; k++) {
            char c = ops.get(k).charAt(0);
            x += c != '+' ? 1 : 0;
            y += c != '-' ? 1 : 0;
        }
        return new int[] {x, y};
    }

    private static List<String> edits(List<String> a, List<String> b) {
        int[][] lcs = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<String> ops = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                ops.add(" " + a.get(i++));
                j++;
            } else if (j < b.size() && (i == a.size() || lcs[i][j + 1] > lcs[i + 1][j])) {
                ops.add("+" + b.get(j++));
            } else {
                ops.add("-" + a.get(i++));
            }
        }
        return ops;
    }
}
