package io.clipguard.tools.bench;

/** Repeats an action and reports its mean time, after warm-up runs that are not counted. */
final class Stopwatch {
    interface Action {
        void run() throws Exception;
    }

    private Stopwatch() {
    }

    /** Mean seconds per run over {@code runs} runs, after {@code warmup} uncounted ones. */
    static double meanSeconds(int warmup, int runs, Action action) throws Exception {
        for (int i = 0; i < warmup; i++) {
            action.run();
        }
        long start = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            action.run();
        }
        return (System.nanoTime() - start) / 1e9 / runs;
    }
}
