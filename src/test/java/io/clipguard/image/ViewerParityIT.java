package io.clipguard.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.testing.Python;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ClipGuard's reading of every JPEG marker variant against Pillow's (libjpeg-turbo, the decoder
 * Chromium uses too), on a corpus {@code jpeg_variants.py} generates: subsamplings, sequential
 * and progressive, restart intervals with stray bytes, JFIF/Adobe/component-id combinations,
 * late and repeated tables, grey, RGB, CMYK, YCCK, 12-bit and arithmetic coding.
 *
 * <p>Small files are compared with the full decode, large ones with Pillow's decode reduced by
 * 8 (box mean) against ClipGuard's decode at CLIP's size, reduced or full, likewise reduced.
 * Tolerance: a mean absolute difference per channel of at most 1.0 level (full) and 1.5
 * (reduced). Both decoders run libjpeg's integer IDCT and ClipGuard converts colours with
 * libjpeg's tables, so most files agree exactly; what differs is chroma upsampling where the
 * JDK's libjpeg 6b has no smooth filter (4:4:0 is replicated, not interpolated: a fraction of a
 * level on average), and the reduced path's exact block means against Pillow's rounded ones.
 * A file Pillow cannot read must be refused with a code; so must arithmetic coding, which
 * Chromium does not show.
 */
class ViewerParityIT {
    @TempDir
    static Path work;
    static JsonNode manifest;
    static final ImageDecoder DECODER = new ImageDecoder(DecodeLimits.defaults());

    @BeforeAll
    static void corpus() throws Exception {
        Python.run("jpeg_variants.py", work, work.toString());
        manifest = new ObjectMapper().readTree(work.resolve("manifest.json").toFile());
    }

    @Test
    void everyVariantIsShownAsPillowShowsItOrRefused() throws Exception {
        List<String> report = new ArrayList<>();
        int compared = 0;
        for (JsonNode e : manifest) {
            String name = e.get("name").asText();
            byte[] jpeg = Files.readAllBytes(work.resolve(e.get("file").asText()));
            if (name.endsWith("arithmetic") || e.get("pillow").isNull()) {
                assertThatThrownBy(() -> DECODER.decode(jpeg, 224)).as(name).isInstanceOfSatisfying(ClipGuardException.class,
                        x -> assertThat(x.code()).isIn(ErrorCode.IMAGE_UNSUPPORTED_FORMAT, ErrorCode.IMAGE_CORRUPT));
                report.add(String.format(Locale.ROOT, "%-34s refused (Pillow: %s)", name, e.has("error") ? e.get("error").asText() : "reads it"));
                continue;
            }
            int reduce = e.get("reduce").asInt();
            byte[] pillow = Files.readAllBytes(work.resolve(e.get("pillow").asText()));
            DecodedImage ours = DECODER.decode(jpeg, reduce > 1 ? 224 : 0);
            int[] rgb = reduce > 1 && ours.scale() == 1 ? boxReduce(ours, reduce) : ours.rgb();
            int w = e.get("width").asInt();
            int h = e.get("height").asInt();
            assertThat(rgb).as(name).hasSize(w * h);
            double[] mean = new double[3];
            int max = 0;
            for (int i = 0; i < w * h; i++) {
                for (int c = 0; c < 3; c++) {
                    int d = Math.abs(((rgb[i] >> (16 - 8 * c)) & 0xFF) - (pillow[3 * i + c] & 0xFF));
                    mean[c] += d;
                    max = Math.max(max, d);
                }
            }
            double worst = 0;
            for (int c = 0; c < 3; c++) {
                mean[c] /= (double) w * h;
                worst = Math.max(worst, mean[c]);
            }
            report.add(String.format(Locale.ROOT, "%-34s %-10s mean |d| R %.3f G %.3f B %.3f, max %d", name, ours.decodePath(), mean[0], mean[1],
                    mean[2], max));
            assertThat(worst).as("%s (%s): mean absolute difference per channel", name, ours.decodePath())
                    .isLessThanOrEqualTo(reduce > 1 ? 1.5 : 1.0);
            compared++;
        }
        report.forEach(System.out::println);
        assertThat(compared).isGreaterThanOrEqualTo(50);
    }

    @Test
    void animationsAreScoredOnTheFramesPillowCompositesNotTheirRawRectangles(@TempDir Path dir) throws Exception {
        Python.run("animation_fixtures.py", dir, dir.toString());
        for (JsonNode e : new ObjectMapper().readTree(dir.resolve("manifest.json").toFile())) {
            String file = e.get("file").asText();
            int w = e.get("width").asInt();
            int h = e.get("height").asInt();
            List<Integer> sampled = new ArrayList<>();
            e.get("sampled").forEach(k -> sampled.add(k.asInt()));
            List<ImageDecoder.View> views = new ArrayList<>();
            DECODER.read(Files.readAllBytes(dir.resolve(file)), 0, 4, CpuBudget.unlimited(), v -> views.add(new ImageDecoder.View(
                    new DecodedImage(v.image().width(), v.image().height(), v.image().rgb().clone(), v.image().format(), w, h, 1, 1), v.frame(),
                    v.frames(), v.background())));
            // Where Pillow keeps alpha it is composited on white here; where it drops it (an animated WebP
            // without the alpha flag) transparent pixels show black, ClipGuard's other background.
            boolean alpha = e.get("alpha").asBoolean();
            String background = alpha ? "white" : "black";
            List<ImageDecoder.View> onWhite = views.stream().filter(v -> v.background() == null || v.background().equals(background)).toList();
            if (e.get("hiddenDefault").asBoolean()) {
                // The default image browsers never show is scored too: it is Pillow's frame 0.
                sampled.add(ImageDecoder.View.DEFAULT_IMAGE);
            }
            assertThat(onWhite).extracting(ImageDecoder.View::frame).as(file).containsExactlyElementsOf(sampled);
            assertThat(onWhite).allSatisfy(v -> assertThat(v.frames()).isEqualTo(e.get("frames").asInt()));
            for (ImageDecoder.View v : onWhite) {
                byte[] rgba = Files.readAllBytes(dir.resolve(v.frame() == ImageDecoder.View.DEFAULT_IMAGE ? file + ".default.rgba"
                        : String.format(Locale.ROOT, "%s.%03d.rgba", file, v.frame())));
                double sum = 0;
                for (int i = 0; i < w * h; i++) {
                    int a = rgba[4 * i + 3] & 0xFF;
                    int p = v.image().rgb()[i];
                    for (int c = 0; c < 3; c++) {
                        int pillow = alpha ? ((rgba[4 * i + c] & 0xFF) * a + 255 * (255 - a) + 127) / 255 : rgba[4 * i + c] & 0xFF;
                        sum += Math.abs(((p >> (16 - 8 * c)) & 0xFF) - pillow);
                    }
                }
                double mean = sum / (3.0 * w * h);
                System.out.printf(Locale.ROOT, "%-10s %-22s mean |d| %.3f%n", file, v.label(), mean);
                assertThat(mean).as("%s %s", file, v.label()).isLessThanOrEqualTo(0.5);
            }
        }
    }

    /** The box mean of {@code d} over {@code n x n} blocks (Pillow's {@code Image.reduce}: rounded half up). */
    static int[] boxReduce(DecodedImage d, int n) {
        int w = d.width() / n;
        int h = d.height() / n;
        int[] out = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int[] sum = new int[3];
                for (int dy = 0; dy < n; dy++) {
                    for (int dx = 0; dx < n; dx++) {
                        int p = d.rgb()[(y * n + dy) * d.width() + x * n + dx];
                        sum[0] += (p >> 16) & 0xFF;
                        sum[1] += (p >> 8) & 0xFF;
                        sum[2] += p & 0xFF;
                    }
                }
                int half = n * n / 2;
                out[y * w + x] = ((sum[0] + half) / (n * n)) << 16 | ((sum[1] + half) / (n * n)) << 8 | (sum[2] + half) / (n * n);
            }
        }
        return out;
    }
}
