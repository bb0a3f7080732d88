package io.clipguard.policy.catalog;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;
import java.util.List;

/**
 * A line diff of two documents in unified format with three lines of context: what a
 * reviewer reads in a policy-change record or the editor's diff view. The diff itself is
 * java-diff-utils' Myers algorithm (linear memory, so a 256 KiB policy costs no quadratic table).
 */
public final class TextDiff {
    private static final int CONTEXT = 3;

    private TextDiff() {
    }

    /** The unified diff, or the empty string when the documents have the same lines. */
    public static String unified(String from, String to, String fromName, String toName) {
        List<String> a = from.lines().toList();
        List<String> b = to.lines().toList();
        Patch<String> patch = DiffUtils.diff(a, b);
        if (patch.getDeltas().isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (String line : UnifiedDiffUtils.generateUnifiedDiff(fromName, toName, a, patch, CONTEXT)) {
            out.append(line).append('\n');
        }
        return out.toString();
    }
}
