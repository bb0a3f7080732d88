package io.clipguard.tools.loadtest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * What a load test measured, as printed, as JSON ({@code report.json}, for {@code --compare})
 * and as a self-contained HTML page with SVG charts ({@code report.html}).
 *
 * @param throughput       outputs per second over the run's middle (start-up and tail excluded)
 * @param cpuMsPerRecord   the service process's CPU time per output; null when the service was not ours
 * @param modelImagesPerSecond the model alone at batch 8 in the same run; null when not measured
 * @param serviceToModel   {@code throughput / modelImagesPerSecond}
 * @param rebalances       the service's rebalances during the measurement (a fenced producer is one)
 * @param redone           uploads the service took over in flight and started again
 * @param calledOff        attempts the service called off at their deadline
 * @param maxStallMs       the longest time between two outputs during the measurement
 */
public record LoadReport(String run, int events, double ratePerSecond, String mix, double meanImageBytes, int partitions,
                         Map<String, String> settings, long sent, long decisions, long deadLetters, int lost, int duplicated, double seconds,
                         double throughput, long p50Ms, long p95Ms, long p99Ms, long maxMs, double meanBatch, long p50Batch, long p90Batch,
                         Double cpuMsPerRecord, Double peakRssMiB, Double modelImagesPerSecond, Double serviceToModel,
                         double decodeMsP50, double embedMsP50, List<Timeline.Second> timeline, long rebalances, long redone, long calledOff,
                         long maxStallMs) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public void print(PrintWriter out) {
        out.println();
        out.printf("%-34s %s%n", "uploads sent / answered", sent + " / " + (decisions + deadLetters) + " (" + deadLetters + " dead letters)");
        out.printf("%-34s %d lost, %d duplicated%n", "exactly once", lost, duplicated);
        out.printf("%-34s %.1f /s%n", "throughput (steady)", throughput);
        out.printf("%-34s p50 %d, p95 %d, p99 %d, max %d%n", "send-to-output latency (ms)", p50Ms, p95Ms, p99Ms, maxMs);
        out.printf("%-34s mean %.1f, p50 %d, p90 %d%n", "inference batch size", meanBatch, p50Batch, p90Batch);
        out.printf("%-34s decode+preprocess %.2f, embed (wait + run) %.2f%n", "service stage p50 (ms)", decodeMsP50, embedMsP50);
        if (cpuMsPerRecord != null) {
            out.printf("%-34s %.2f ms%n", "service CPU per record", cpuMsPerRecord);
        }
        if (peakRssMiB != null) {
            out.printf("%-34s %.0f MiB%n", "service resident set (peak)", peakRssMiB);
        }
        if (modelImagesPerSecond != null) {
            out.printf("%-34s %.1f /s; service / model = %.2f%n", "model alone at batch 8", modelImagesPerSecond, serviceToModel);
        }
        out.printf("%-34s %d rebalances (fencings), %d uploads redone, %d attempts called off%n", "flow", rebalances, redone, calledOff);
        out.printf("%-34s %d ms%n", "longest stall between outputs", maxStallMs);
        out.flush();
    }

    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
            JSON.writeValue(dir.resolve("report.json").toFile(), this);
            Files.writeString(dir.resolve("report.html"), html(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + dir + ": " + e.getMessage(), e);
        }
    }

    public static LoadReport read(Path json) {
        try {
            return JSON.readValue(json.toFile(), LoadReport.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a load-test report: " + json + " (" + e.getMessage() + ")");
        }
    }

    /** The figures of {@code b} against those of {@code a}: ratios b / a. */
    public static void compare(LoadReport a, LoadReport b, PrintWriter out) {
        Map<String, ToDoubleFunction<LoadReport>> figures = new LinkedHashMap<>();
        figures.put("throughput /s", LoadReport::throughput);
        figures.put("p50 latency ms", r -> r.p50Ms);
        figures.put("p99 latency ms", r -> r.p99Ms);
        figures.put("mean batch", LoadReport::meanBatch);
        figures.put("CPU ms per record", r -> r.cpuMsPerRecord == null ? Double.NaN : r.cpuMsPerRecord);
        figures.put("service / model", r -> r.serviceToModel == null ? Double.NaN : r.serviceToModel);
        out.printf("%-20s %12s %12s %8s%n", "figure", a.run, b.run, "B / A");
        figures.forEach((name, f) -> {
            double x = f.applyAsDouble(a);
            double y = f.applyAsDouble(b);
            out.printf("%-20s %12.2f %12.2f %8s%n", name, x, y, Double.isNaN(x) || Double.isNaN(y) || x == 0 ? "-"
                    : String.format(Locale.ROOT, "%.2f", y / x));
        });
        out.flush();
    }

    private String html() {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ClipGuard load test ").append(run)
                .append("</title><style>body{font-family:system-ui,sans-serif;margin:1rem 2rem;color:#222}table{border-collapse:collapse}"
                        + "td,th{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left}svg{background:#fafafa;border:1px solid #ddd}"
                        + "</style></head><body>");
        h.append("<h1>Load test ").append(run).append("</h1><table>");
        row(h, "uploads", sent + " sent, " + decisions + " decisions, " + deadLetters + " dead letters, " + lost + " lost, " + duplicated
                + " duplicated");
        row(h, "load", (ratePerSecond > 0 ? ratePerSecond + " /s" : "backlog") + ", mix " + mix + String.format(Locale.ROOT,
                " (mean %.0f KB)", meanImageBytes / 1000) + ", " + partitions + " partitions, " + settings);
        row(h, "throughput (steady)", String.format(Locale.ROOT, "%.1f /s", throughput));
        row(h, "latency ms", "p50 " + p50Ms + ", p95 " + p95Ms + ", p99 " + p99Ms + ", max " + maxMs);
        row(h, "batch size", String.format(Locale.ROOT, "mean %.1f, p50 %d, p90 %d", meanBatch, p50Batch, p90Batch));
        row(h, "stage p50 ms", String.format(Locale.ROOT, "decode + preprocess %.2f, embed (wait + run) %.2f", decodeMsP50, embedMsP50));
        if (cpuMsPerRecord != null) {
            row(h, "service CPU per record", String.format(Locale.ROOT, "%.2f ms", cpuMsPerRecord));
        }
        if (modelImagesPerSecond != null) {
            row(h, "model alone at batch 8", String.format(Locale.ROOT, "%.1f /s (service / model %.2f)", modelImagesPerSecond, serviceToModel));
        }
        h.append("</table>");
        chart(h, "Outputs per second", s -> s.outputs());
        chart(h, "Latency p99 per second (ms)", s -> s.p99Ms());
        chart(h, "Mean inference batch per second", Timeline.Second::meanBatch);
        return h.append("</body></html>\n").toString();
    }

    private static void row(StringBuilder h, String name, String value) {
        h.append("<tr><th>").append(escape(name)).append("</th><td>").append(escape(value)).append("</td></tr>");
    }

    private void chart(StringBuilder h, String title, ToDoubleFunction<Timeline.Second> value) {
        int w = 800;
        int ht = 200;
        double max = timeline.stream().mapToDouble(value).max().orElse(1);
        max = max <= 0 ? 1 : max;
        int n = Math.max(2, timeline.size());
        StringBuilder points = new StringBuilder();
        for (Timeline.Second s : timeline) {
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", s.second() * (w - 40.0) / (n - 1) + 35,
                    ht - 20 - value.applyAsDouble(s) * (ht - 35) / max));
        }
        h.append("<h2>").append(escape(title)).append("</h2><svg width=\"").append(w).append("\" height=\"").append(ht).append("\">")
                .append(String.format(Locale.ROOT, "<text x=\"2\" y=\"14\" font-size=\"11\">%.1f</text>", max))
                .append("<text x=\"2\" y=\"").append(ht - 20).append("\" font-size=\"11\">0</text>")
                .append("<text x=\"").append(w - 60).append("\" y=\"").append(ht - 4).append("\" font-size=\"11\">").append(n - 1)
                .append(" s</text><polyline fill=\"none\" stroke=\"#3949ab\" stroke-width=\"1.5\" points=\"").append(points)
                .append("\"/></svg>");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
