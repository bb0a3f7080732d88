package io.clipguard.image;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.testing.Python;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our preprocessing against Hugging Face's CLIPImageProcessor steps run by Pillow, on real
 * photographs; and the reduced-resolution JPEG path against the full one.
 */
class PreprocessParityIT {
    @TempDir
    static Path work;
    static final ImageDecoder DECODER = new ImageDecoder(DecodeLimits.defaults());
    static final ClipPreprocessor PRE = new ClipPreprocessor(PreprocessSpec.clipDefaults());

    @BeforeAll
    static void variants() throws Exception {
        Python.run("photo_variants.py", work, Python.photos().toString(), work.toString());
    }

    record Diff(double mean, double max) {
    }

    static Diff diff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double sum = 0;
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            sum += d;
            max = Math.max(max, d);
        }
        return new Diff(sum / a.length, max);
    }

    @Test
    void fullDecodePathMatchesPillowOnPhotographs() throws Exception {
        List<Path> images = new ArrayList<>();
        try (var files = Files.list(Python.photos())) {
            files.filter(f -> !f.getFileName().toString().startsWith(".")).forEach(images::add);
        }
        for (String v : List.of("coffee_q90.jpg", "astronaut_progressive.jpg", "motorcycle_portrait.png", "chelsea_small.png")) {
            images.add(work.resolve(v));
        }
        List<String> args = new ArrayList<>(List.of(work.toString()));
        images.forEach(p -> args.add(p.toString()));
        Python.run("hf_clip_preprocess.py", work, args.toArray(String[]::new));
        for (Path image : images) {
            float[] ours = PRE.toTensor(DECODER.decode(Files.readAllBytes(image)));
            float[] pillow = Python.readNpy(work.resolve(image.getFileName() + ".npy"));
            Diff d = diff(ours, pillow);
            System.out.printf("parity %-28s mean %.5f max %.4f%n", image.getFileName(), d.mean(), d.max());
            assertThat(d.mean()).as("mean abs diff for %s", image.getFileName()).isLessThanOrEqualTo(0.01);
            assertThat(d.max()).as("max abs diff for %s", image.getFileName()).isLessThanOrEqualTo(0.08);
        }
    }

    @Test
    void reducedDecodeOfA12MegapixelPhotoStaysCloseToTheFullPath() throws Exception {
        for (String name : List.of("mosaic_grey.jpg", "mosaic_rgb.jpg")) {
            byte[] jpeg = Files.readAllBytes(work.resolve(name));
            DecodedImage reduced = DECODER.decode(jpeg, 224);
            assertThat(reduced.decodePath()).isEqualTo("reduced/8");
            assertThat(reduced.width()).isEqualTo(504);
            assertThat(reduced.height()).isEqualTo(378);
            Diff d = diff(PRE.toTensor(DECODER.decode(jpeg)), PRE.toTensor(reduced));
            System.out.printf("reduced %-24s mean %.5f max %.4f%n", name, d.mean(), d.max());
            assertThat(d.mean()).as(name).isLessThanOrEqualTo(0.02);
        }
        // In YCbCr a photo's pixels may convert outside the RGB cube where block means do not: unless
        // the coefficients prove they cannot, the full decoder reads it.
        for (String name : List.of("mosaic_4032x3024.jpg", "mosaic_444.jpg", "mosaic_restart.jpg")) {
            assertThat(DECODER.decode(Files.readAllBytes(work.resolve(name)), 224).decodePath()).as(name).isEqualTo("full");
        }
    }

    @Test
    void eachReducedScaleIsTheBlockMeanOfTheFullDecode() throws Exception {
        for (String name : List.of("mosaic_grey.jpg", "coffee_grey.jpg", "mosaic_rgb.jpg")) {
            byte[] jpeg = Files.readAllBytes(work.resolve(name));
            DecodedImage full = DECODER.decode(jpeg);
            JpegColour colour = name.contains("rgb") ? JpegColour.RGB : JpegColour.GREY;
            for (int scale : new int[] {2, 4, 8}) {
                ReducedJpegDecoder.Result r = ReducedJpegDecoder.decode(jpeg, scale, colour, CpuBudget.unlimited());
                double err = meanAbsFromBoxAverage(full, r, scale);
                System.out.printf("block mean %-20s 1/%d: %.3f levels%n", name, scale, err);
                assertThat(err).as("%s at 1/%d", name, scale).isLessThanOrEqualTo(1.0);
            }
        }
        // Progressive files are left to the full decoder: their block means need every AC scan once samples clamp.
        for (String name : List.of("mosaic_progressive_444.jpg", "mosaic_progressive.jpg")) {
            byte[] progressive = Files.readAllBytes(work.resolve(name));
            assertThat(ReducedJpegDecoder.decode(progressive, 8, JpegColour.YCBCR, CpuBudget.unlimited())).isNull();
            assertThat(DECODER.decode(progressive, 224).decodePath()).isEqualTo("full");
        }
    }

    @Test
    void reducedScaleIsTheLargestThatKeepsTheTarget() {
        assertThat(ImageDecoder.reducedScale(4032, 3024, 224)).isEqualTo(8);
        assertThat(ImageDecoder.reducedScale(1920, 1080, 224)).isEqualTo(4);
        assertThat(ImageDecoder.reducedScale(640, 480, 224)).as("1/2 is not worth it").isEqualTo(1);
        assertThat(ImageDecoder.reducedScale(1000, 900, 224)).isEqualTo(4);
        assertThat(ImageDecoder.reducedScale(400, 300, 224)).isEqualTo(1);
        assertThat(ImageDecoder.reducedScale(4032, 3024, 0)).isEqualTo(1);
    }

    @Test
    void smallImagesAreNeverReduced() throws Exception {
        byte[] jpeg = Files.readAllBytes(work.resolve("coffee_grey.jpg"));
        assertThat(DECODER.decode(jpeg, 224).decodePath()).isEqualTo("full");
        assertThat(DECODER.decode(jpeg, 150).decodePath()).isEqualTo("full");
        assertThat(DECODER.decode(jpeg, 100).decodePath()).isEqualTo("reduced/4");
    }

    private static double meanAbsFromBoxAverage(DecodedImage full, ReducedJpegDecoder.Result r, int s) {
        double err = 0;
        long count = 0;
        for (int y = 0; (y + 1) * s <= full.height() && y < r.height(); y++) {
            for (int x = 0; (x + 1) * s <= full.width() && x < r.width(); x++) {
                int q = r.rgb()[y * r.width() + x];
                for (int c = 0; c < 3; c++) {
                    int shift = 16 - 8 * c;
                    double mean = 0;
                    for (int yy = 0; yy < s; yy++) {
                        for (int xx = 0; xx < s; xx++) {
                            mean += (full.rgb()[(y * s + yy) * full.width() + x * s + xx] >> shift) & 0xFF;
                        }
                    }
                    err += Math.abs(mean / (s * s) - ((q >> shift) & 0xFF));
                    count++;
                }
            }
        }
        return err / count;
    }

    @Test
    void preprocessCommandWritesNpyThatNumPyReads() throws Exception {
        Path model = work.resolve("npy-model");
        new io.clipguard.clip.demo.DemoModelGenerator().write(model, io.clipguard.clip.demo.DemoModelGenerator.Layout.HUGGING_FACE);
        Path image = java.nio.file.Files.write(work.resolve("npy.png"), new io.clipguard.tools.demo.ShapeScenes(2).draw("blue", "circle", 300, 500, false).bytes());
        Path npy = work.resolve("t.npy");
        var r = io.clipguard.testing.Cli.run("preprocess", "--model", model.toString(), "--image", image.toString(), "--out", npy.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Path check = work.resolve("check.py");
        java.nio.file.Files.writeString(check, "import numpy, sys\na = numpy.load(sys.argv[1])\nassert a.shape == (1, 3, 224, 224), a.shape\n"
                + "assert a.dtype == numpy.float32\n");
        Process p = new ProcessBuilder("/usr/bin/python3", check.toString(), npy.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }
}
