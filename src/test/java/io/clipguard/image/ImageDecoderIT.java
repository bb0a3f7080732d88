package io.clipguard.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.testing.Python;
import io.clipguard.tools.demo.ShapeScenes;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderIT {
    @TempDir
    static Path fixtures;
    private final ImageDecoder decoder = new ImageDecoder(DecodeLimits.defaults());

    @BeforeAll
    static void writeFixtures() throws Exception {
        Python.run("image_fixtures.py", fixtures, fixtures.toString());
    }

    private DecodedImage decode(String fixture) throws Exception {
        return decoder.decode(Files.readAllBytes(fixtures.resolve(fixture)));
    }

    private static int[] rgbAt(DecodedImage img, int x, int y) {
        int p = img.rgb()[y * img.width() + x];
        return new int[] {(p >> 16) & 0xFF, (p >> 8) & 0xFF, p & 0xFF};
    }

    private static void assertColour(int[] actual, int r, int g, int b, int tolerance) {
        assertThat(Math.abs(actual[0] - r)).as("red of %s", Arrays.toString(actual)).isLessThanOrEqualTo(tolerance);
        assertThat(Math.abs(actual[1] - g)).as("green of %s", Arrays.toString(actual)).isLessThanOrEqualTo(tolerance);
        assertThat(Math.abs(actual[2] - b)).as("blue of %s", Arrays.toString(actual)).isLessThanOrEqualTo(tolerance);
    }

    private static void assertError(ThrowingDecode call, ErrorCode error) {
        assertThatThrownBy(call::run).isInstanceOf(ClipGuardException.class)
                .extracting(e -> ((ClipGuardException) e).code()).isEqualTo(error);
    }

    interface ThrowingDecode {
        void run() throws Exception;
    }

    @Test
    void cmykJpegBecomesRgb() throws Exception {
        DecodedImage img = decode("cmyk.jpg");
        assertThat(img.format()).isEqualTo("jpeg");
        int[] c = rgbAt(img, 32, 24);
        assertThat(c[0]).isGreaterThan(180);
        assertThat(c[1]).isLessThan(80);
        assertThat(c[2]).isLessThan(80);
    }

    @Test
    void greyIsCopiedWithoutGammaChange() throws Exception {
        assertColour(rgbAt(decode("grey.png"), 5, 5), 100, 100, 100, 0);
        // 16-bit grey 40000/65535 -> 156 of 255.
        assertColour(rgbAt(decode("grey16.png"), 5, 5), 156, 156, 156, 0);
    }

    @Test
    void sixteenBitRgbPngIsScaledTo8Bits() throws Exception {
        assertColour(rgbAt(decode("rgb16.png"), 3, 3), 255, 128, 0, 1);
    }

    @Test
    void transparencyIsCompositedOverWhite() throws Exception {
        DecodedImage pal = decode("palette_transparent.png");
        assertColour(rgbAt(pal, 4, 4), 255, 0, 0, 0);
        assertColour(rgbAt(pal, 24, 4), 255, 255, 255, 0);
        assertColour(rgbAt(decode("rgba.png"), 8, 8), 255, 127, 127, 2);
    }

    @Test
    void exifOrientationIsApplied() throws Exception {
        DecodedImage img = decode("exif_rotated.jpg");
        assertThat(img.orientation()).isEqualTo(6);
        assertThat(img.width()).isEqualTo(40);
        assertThat(img.height()).isEqualTo(60);
        assertThat(img.sourceWidth()).isEqualTo(60);
        // Rotated 90 degrees clockwise: the stored left half (red) is now on top.
        assertColour(rgbAt(img, 20, 10), 255, 0, 0, 30);
        assertColour(rgbAt(img, 20, 50), 0, 0, 255, 30);
    }

    @Test
    void progressiveJpegWebpAndGifDecodeAndBmpOnlyWhenEnabled() throws Exception {
        assertColour(rgbAt(decode("progressive.jpg"), 30, 30), 0, 200, 0, 6);
        DecodedImage webp = decode("blue.webp");
        assertThat(webp.format()).isEqualTo("webp");
        assertColour(rgbAt(webp, 10, 10), 0, 0, 255, 0);
        byte[] bmp = Files.readAllBytes(fixtures.resolve("yellow.bmp"));
        assertError(() -> decoder.decode(bmp), ErrorCode.IMAGE_UNSUPPORTED_FORMAT);
        ImageDecoder legacy = new ImageDecoder(DecodeLimits.defaults().withFormats(java.util.EnumSet.allOf(ImageFormat.class)));
        assertColour(rgbAt(legacy.decode(bmp), 10, 10), 255, 255, 0, 0);
    }

    @Test
    void gifWithAThousandFramesIsTooComplexByDefaultAndOnlyItsFirstFrameIsReadWhenAllowed() throws Exception {
        byte[] frames = java.nio.file.Files.readAllBytes(fixtures.resolve("frames1000.gif"));
        assertError(() -> new ImageDecoder(DecodeLimits.defaults()).decode(frames), ErrorCode.IMAGE_TOO_COMPLEX);
        DecodeLimits d = DecodeLimits.defaults();
        ImageDecoder lenient = new ImageDecoder(d.withMaxFrames(2000));
        long before = allocated();
        DecodedImage gif = lenient.decode(frames);
        long allocated = allocated() - before;
        assertThat(gif.format()).isEqualTo("gif");
        assertColour(rgbAt(gif, 8, 8), 255, 255, 0, 0);
        assertThat(allocated).as("bytes allocated").isLessThan(8L << 20);
    }

    @Test
    void emptyRandomAndTruncatedInputsGetTheirCodes() throws Exception {
        assertError(() -> decoder.decode(new byte[0]), ErrorCode.IMAGE_EMPTY);
        assertError(() -> decoder.decode(null), ErrorCode.IMAGE_EMPTY);
        byte[] random = new byte[4096];
        new Random(1).nextBytes(random);
        assertError(() -> decoder.decode(random), ErrorCode.IMAGE_UNSUPPORTED_FORMAT);

        byte[] jpeg = new ShapeScenes(3).draw("red", "circle", 400, 300, true).bytes();
        byte[] truncated = Arrays.copyOf(jpeg, jpeg.length / 2);
        assertError(() -> decoder.decode(truncated), ErrorCode.IMAGE_CORRUPT);
        assertError(() -> decoder.decode(truncated, 32), ErrorCode.IMAGE_CORRUPT);
        byte[] png = new ShapeScenes(3).draw("red", "circle", 400, 300, false).bytes();
        assertError(() -> decoder.decode(Arrays.copyOf(png, png.length / 2)), ErrorCode.IMAGE_CORRUPT);
        assertError(() -> decoder.decode(Arrays.copyOf(jpeg, 40)), ErrorCode.IMAGE_CORRUPT);
    }

    @Test
    void decompressionBombIsRefusedFromItsHeaderWithoutAllocatingPixels() throws Exception {
        byte[] bomb = io.clipguard.testing.PngBomb.declaring(30_000, 30_000);
        assertThat(bomb.length).isLessThan(4096);
        long before = allocated();
        assertThatThrownBy(() -> decoder.decode(bomb)).isInstanceOf(ClipGuardException.class)
                .hasMessageContaining("30000x30000")
                .extracting(e -> ((ClipGuardException) e).code()).isEqualTo(ErrorCode.IMAGE_TOO_LARGE);
        // 30000 x 30000 RGB would be 2.7 GB; the refusal must cost almost nothing.
        assertThat(allocated() - before).as("bytes allocated").isLessThan(4L << 20);
    }

    @Test
    void byteAndDimensionLimitsAreConfigurable() throws Exception {
        byte[] png = new ShapeScenes(4).draw("blue", "square", 300, 200, false).bytes();
        assertError(() -> new ImageDecoder(DecodeLimits.defaults().withSize(png.length - 1, 10_000, 10_000, 1_000_000)).decode(png), ErrorCode.IMAGE_TOO_LARGE);
        assertError(() -> new ImageDecoder(DecodeLimits.defaults().withSize(1 << 20, 299, 10_000, 1_000_000)).decode(png), ErrorCode.IMAGE_TOO_LARGE);
        assertError(() -> new ImageDecoder(DecodeLimits.defaults().withSize(1 << 20, 10_000, 199, 1_000_000)).decode(png), ErrorCode.IMAGE_TOO_LARGE);
        assertError(() -> new ImageDecoder(DecodeLimits.defaults().withSize(1 << 20, 10_000, 10_000, 59_999)).decode(png), ErrorCode.IMAGE_TOO_LARGE);
        assertThat(new ImageDecoder(DecodeLimits.defaults().withSize(png.length, 300, 200, 60_000)).decode(png).width()).isEqualTo(300);
    }

    private static long allocated() {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return bean.getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
