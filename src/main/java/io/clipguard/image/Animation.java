package io.clipguard.image;

import java.util.ArrayList;
import java.util.List;

/**
 * Plays an animation's frames onto its canvas as a browser does, so that what is scored is a
 * frame a viewer sees, not a frame's raw rectangle: each frame is blended onto the canvas
 * (replacing its rectangle, or alpha-composited over it), shown, then disposed of (kept,
 * cleared to transparent, or restored to what was under it). The canvas starts transparent.
 * Only the frames in {@link #sample} are handed out; all are composited, since each frame
 * builds on the ones before it.
 */
final class Animation {
    /** What happens to a frame's rectangle after it was shown. */
    enum Dispose { KEEP, CLEAR, RESTORE }

    /** One frame: its rectangle, whether it is alpha-blended (else it replaces), its disposal, and how long it is shown. */
    record Frame(int x, int y, int width, int height, boolean blend, Dispose dispose, long millis) {
        /** As browsers show it: a delay of 10 ms or less is shown for 100 ms. */
        long shownMillis() {
            return millis <= 10 ? 100 : millis;
        }
    }

    /** Reads one frame's own pixels (ARGB, {@code width x height} of its rectangle). */
    interface Source {
        int[] pixels(int index);
    }

    /** Receives each sampled frame's canvas (valid only during the call). */
    interface Sink {
        void frame(int index, int[] canvas);
    }

    private Animation() {
    }

    /**
     * The frames to score: those on screen at {@code n} instants spread evenly over the
     * animation's running time (its start, its end and between), and the frame shown longest.
     * By time, not by index: a frame shown for minutes between short ones is what a viewer sees.
     */
    static List<Integer> sample(List<Frame> frames, int n) {
        List<Integer> out = new ArrayList<>();
        if (frames.size() <= n) {
            for (int i = 0; i < frames.size(); i++) {
                out.add(i);
            }
            return out;
        }
        long[] ends = new long[frames.size()];
        long total = 0;
        int longest = 0;
        for (int i = 0; i < frames.size(); i++) {
            total += frames.get(i).shownMillis();
            ends[i] = total;
            longest = frames.get(i).shownMillis() > frames.get(longest).shownMillis() ? i : longest;
        }
        java.util.TreeSet<Integer> picked = new java.util.TreeSet<>();
        for (int k = 0; k < n; k++) {
            long t = n == 1 ? 0 : k * (total - 1) / (n - 1);
            int at = java.util.Arrays.binarySearch(ends, t + 1);
            picked.add(at >= 0 ? at : -at - 1);
        }
        picked.add(longest);
        out.addAll(picked);
        return out;
    }

    static void play(int width, int height, List<Frame> frames, List<Integer> wanted, Source source, CpuBudget budget, Sink sink) {
        int[] canvas = new int[width * height];
        int last = wanted.isEmpty() ? -1 : wanted.get(wanted.size() - 1);
        int[] saved = null;
        for (int i = 0; i <= last; i++) {
            budget.check();
            Frame f = frames.get(i);
            Dispose dispose = i == 0 && f.dispose() == Dispose.RESTORE ? Dispose.CLEAR : f.dispose();
            if (dispose == Dispose.RESTORE) {
                saved = region(canvas, width, f, saved);
            }
            draw(canvas, width, height, f, source.pixels(i));
            if (wanted.contains(i)) {
                sink.frame(i, canvas);
            }
            if (dispose == Dispose.CLEAR) {
                fill(canvas, width, height, f);
            } else if (dispose == Dispose.RESTORE) {
                restore(canvas, width, height, f, saved);
            }
        }
    }

    private static void draw(int[] canvas, int width, int height, Frame f, int[] pixels) {
        for (int y = 0; y < f.height() && f.y() + y < height; y++) {
            for (int x = 0; x < f.width() && f.x() + x < width; x++) {
                int src = pixels[y * f.width() + x];
                int at = (f.y() + y) * width + f.x() + x;
                canvas[at] = f.blend() ? blend(src, canvas[at]) : src;
            }
        }
    }

    /** Non-premultiplied "source over destination". */
    static int blend(int src, int dst) {
        int sa = src >>> 24;
        if (sa == 255) {
            return src;
        }
        if (sa == 0) {
            return dst;
        }
        int da = dst >>> 24;
        int oa = sa * 255 + da * (255 - sa);
        if (oa == 0) {
            return 0;
        }
        int r = channel(src >> 16, sa, dst >> 16, da, oa);
        int g = channel(src >> 8, sa, dst >> 8, da, oa);
        int b = channel(src, sa, dst, da, oa);
        return ((oa + 127) / 255) << 24 | r << 16 | g << 8 | b;
    }

    private static int channel(int s, int sa, int d, int da, int oa) {
        return (int) (((long) (s & 0xFF) * sa * 255 + (long) (d & 0xFF) * da * (255 - sa) + oa / 2) / oa);
    }

    private static int[] region(int[] canvas, int width, Frame f, int[] reuse) {
        int[] out = reuse != null && reuse.length >= f.width() * f.height() ? reuse : new int[f.width() * f.height()];
        for (int y = 0; y < f.height() && (f.y() + y) * width < canvas.length; y++) {
            for (int x = 0; x < f.width() && f.x() + x < width; x++) {
                out[y * f.width() + x] = canvas[(f.y() + y) * width + f.x() + x];
            }
        }
        return out;
    }

    private static void restore(int[] canvas, int width, int height, Frame f, int[] saved) {
        for (int y = 0; y < f.height() && f.y() + y < height; y++) {
            for (int x = 0; x < f.width() && f.x() + x < width; x++) {
                canvas[(f.y() + y) * width + f.x() + x] = saved[y * f.width() + x];
            }
        }
    }

    private static void fill(int[] canvas, int width, int height, Frame f) {
        for (int y = 0; y < f.height() && f.y() + y < height; y++) {
            for (int x = 0; x < f.width() && f.x() + x < width; x++) {
                canvas[(f.y() + y) * width + f.x() + x] = 0;
            }
        }
    }
}
