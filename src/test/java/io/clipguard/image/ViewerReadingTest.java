package io.clipguard.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.testing.ViewerImages;
import io.clipguard.testing.ViewerImages.ApngFrame;
import io.clipguard.testing.ViewerImages.GifFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Files a viewer and a careless decoder read differently are read as the viewer reads them,
 * on the full and the reduced path alike (the Pillow comparison over a generated corpus is
 * {@code ViewerParityIT}).
 */
class ViewerReadingTest {
    static final ImageDecoder DECODER = new ImageDecoder(DecodeLimits.defaults());
    static final int RED = 0xE01010;

    /** The views of {@code bytes}: labels and the colour at the centre of each. */
    static List<String> views(byte[] bytes, int minShortSide) {
        List<String> out = new ArrayList<>();
        DECODER.read(bytes, minShortSide, 4, CpuBudget.start(Duration.ofSeconds(3)), v -> out.add(v.label() + " " + hex(centre(v.image()))));
        return out;
    }

    static int centre(DecodedImage d) {
        return d.rgb()[d.height() / 2 * d.width() + d.width() / 2];
    }

    static String hex(int rgb) {
        return String.format("#%06x", rgb & 0xFFFFFF);
    }

    static void near(int rgb, int expected, int tolerance) {
        for (int shift = 0; shift <= 16; shift += 8) {
            assertThat(Math.abs(((rgb >> shift) & 0xFF) - ((expected >> shift) & 0xFF))).as("%s against %s", hex(rgb), hex(expected))
                    .isLessThanOrEqualTo(tolerance);
        }
    }

    static int[] both(byte[] jpeg) {
        return new int[] {centre(DECODER.decode(jpeg, 0)), centre(DECODER.decode(jpeg, 224))};
    }

    @Test
    void jfifWinsOverAnAdobeSegmentOnBothPaths() {
        byte[] plain = ViewerImages.jpeg(ViewerImages.solid(960, 960, RED), false, 0);
        byte[] conflicting = ViewerImages.withAdobe(plain, 0);
        assertThat(DECODER.decode(conflicting, 224).width()).as("reduced").isEqualTo(240);
        for (int rgb : both(conflicting)) {
            near(rgb, RED, 4);
        }
        // Without JFIF the Adobe transform decides: 0 is RGB, so the YCbCr samples show as colours.
        byte[] adobeOnly = ViewerImages.withAdobe(ViewerImages.withoutJfif(plain), 0);
        for (int rgb : both(adobeOnly)) {
            near(rgb, 0x4e5de8, 6);
        }
    }

    @Test
    void componentIdsDecideOnlyWhenNoMarkerDoes() {
        byte[] plain = ViewerImages.jpeg(ViewerImages.solid(960, 960, RED), false, 0);
        byte[] rgbIds = ViewerImages.componentIds(ViewerImages.withoutJfif(plain), 'R', 'G', 'B');
        int[] shown = both(rgbIds);
        near(shown[0], 0x4e5de8, 6);
        near(shown[1], shown[0], 2);
        // With JFIF present, the ids mean nothing.
        for (int rgb : both(ViewerImages.componentIds(plain, 'R', 'G', 'B'))) {
            near(rgb, RED, 4);
        }
    }

    @Test
    void aQuantisationTableRedefinedAfterTheLastScanChangesNothing() {
        for (boolean progressive : new boolean[] {false, true}) {
            // Sequential 4:4:4 of one colour is read by the reduced path at 1/8; progressive by the full one.
            java.awt.image.BufferedImage img = ViewerImages.solid(1800, 1800, RED);
            byte[] plain = ViewerImages.jpeg(img, progressive, 0, false);
            byte[] late = ViewerImages.lateTables(plain, 1);
            for (int minShortSide : new int[] {0, 224}) {
                DecodedImage a = DECODER.decode(plain, minShortSide);
                DecodedImage b = DECODER.decode(late, minShortSide);
                assertThat(a.decodePath()).isEqualTo(minShortSide == 0 || progressive ? "full" : "reduced/8");
                assertThat(b.rgb()).as("progressive %s, min short side %d", progressive, minShortSide).isEqualTo(a.rgb());
                near(centre(b), RED, 4);
            }
        }
    }

    @Test
    void strayBytesBeforeRestartMarkersAreSkippedAsLibjpegSkipsThem() {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(1024, 1024, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 1024; y++) {
            for (int x = 0; x < 1024; x++) {
                img.setRGB(x, y, x < 512 ? RED : 0x1020E0);
            }
        }
        byte[] plain = ViewerImages.jpeg(img, false, 4);
        assertThat(ViewerImages.restartMarkers(plain)).isGreaterThan(100);
        byte[] stray = ViewerImages.strayBeforeRestarts(plain, new byte[] {0x12, 0x34, 0x56});
        for (int minShortSide : new int[] {0, 224}) {
            assertThat(DECODER.decode(stray, minShortSide).rgb()).as("min short side " + minShortSide)
                    .isEqualTo(DECODER.decode(plain, minShortSide).rgb());
        }
    }

    @Test
    void variantsViewersDoNotShowAreRefusedWithACode() {
        byte[] plain = ViewerImages.jpeg(ViewerImages.solid(64, 64, RED), false, 0);
        byte[] twelveBit = plain.clone();
        int sof = indexOf(twelveBit, 0xC0);
        twelveBit[sof + 4] = 12;
        assertRefused(twelveBit, ErrorCode.IMAGE_UNSUPPORTED_FORMAT, "12-bit");
        byte[] arithmetic = plain.clone();
        arithmetic[sof + 1] = (byte) 0xC9;
        assertRefused(arithmetic, ErrorCode.IMAGE_UNSUPPORTED_FORMAT, "arithmetic");
    }

    @Test
    void aGifIsScoredOnItsFramesAsPlayedNotOnATinyFirstFrame() {
        int[] palette = {0xFFFFFF, RED, 0x0000FF};
        byte[] gif = ViewerImages.gif(200, 200, palette, List.of(
                GifFrame.filled(0, 0, 1, 1, 2, 1),
                GifFrame.filled(0, 0, 200, 200, 1, 1),
                GifFrame.filled(50, 50, 100, 100, 0, 1)));
        List<String> views = views(gif, 0);
        // Frame 1 leaves a transparent canvas around one pixel: shown on white and on black.
        assertThat(views).containsExactly("frame 1 of 3 on white #ffffff", "frame 1 of 3 on black #000000", "frame 2 of 3 #e01010",
                "frame 3 of 3 #ffffff");
        // Disposal 2 clears the frame's rectangle to transparent before the next one.
        byte[] cleared = ViewerImages.gif(200, 200, palette, List.of(GifFrame.filled(0, 0, 200, 200, 1, 2),
                GifFrame.filled(0, 0, 10, 10, 2, 1)));
        assertThat(views(cleared, 0)).containsExactly("frame 1 of 2 #e01010", "frame 2 of 2 on white #ffffff", "frame 2 of 2 on black #000000");
    }

    @Test
    void anApngIsScoredOnItsFramesAndOnTheDefaultImageOnlyViewersWithoutApngShow() {
        int[] blue = filled(64 * 64, 0xFF0000FF);
        int[] red = filled(64 * 64, 0xFF000000 | RED);
        byte[] hidden = ViewerImages.apng(64, 64, blue, List.of(new ApngFrame(0, 0, 64, 64, red, 0, 0)));
        assertThat(views(hidden, 0)).containsExactly("still #e01010", "default image #0000ff");
        // An animation control Chromium would not trust (a bad checksum): the file is its default image.
        byte[] broken = hidden.clone();
        broken[8 + 25 + 16] ^= 1;
        assertThat(views(broken, 0)).containsExactly("still #0000ff");
        // Three frames, the middle one blended over the first.
        int[] half = filled(32 * 32, 0x800000FF);
        byte[] played = ViewerImages.apng(64, 64, null, List.of(new ApngFrame(0, 0, 64, 64, red, 0, 0),
                new ApngFrame(16, 16, 32, 32, half, 0, 1), new ApngFrame(0, 0, 64, 64, blue, 0, 0)));
        assertThat(views(played, 0)).containsExactly("frame 1 of 3 #e01010", "frame 2 of 3 #700888", "frame 3 of 3 #0000ff");
    }

    @Test
    void framesAreChosenByTheTimeTheyAreOnScreenAndLaterFramesDoNotWidenTheCanvas() {
        int[] palette = {0xFFFFFF, RED, 0x0000FF};
        List<GifFrame> frames = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            GifFrame f = GifFrame.filled(0, 0, 50, 50, i == 2 ? 1 : 2, 1);
            frames.add(i == 2 ? f.shownFor(65535) : f.shownFor(1));
        }
        // By index, four of five would skip frame 3; it is on screen eleven minutes of the animation's eleven.
        assertThat(views(ViewerImages.gif(50, 50, palette, frames), 0)).contains("frame 3 of 5 #e01010");
        List<GifFrame> wide = List.of(GifFrame.filled(0, 0, 40, 40, 1, 1), new GifFrame(11_000, 0, 1, 1, new byte[] {0}, 1, 0));
        List<Integer> widths = new ArrayList<>();
        DECODER.read(ViewerImages.gif(40, 40, palette, wide), 0, 4, CpuBudget.unlimited(), v -> widths.add(v.image().width()));
        assertThat(widths).containsOnly(40);
    }

    @Test
    void transparencyIsSeenOnWhiteAndOnBlackNeverAsTheColourUnderIt() {
        // Fully transparent red: no viewer sees red.
        assertThat(views(ViewerImages.rgbaPng(filled(32 * 32, RED), 32, 32), 0)).containsExactly("still on white #ffffff",
                "still on black #000000");
        assertThat(views(ViewerImages.rgbaPng(filled(32 * 32, 0x80000000 | RED), 32, 32), 0)).containsExactly("still on white #ef8787",
                "still on black #700808");
    }

    @Test
    void onlyTheAllowedFormatsAreReadAndBmpAndTiffOnlyWhenEnabled() {
        byte[] bmp = ViewerImages.bmp(2, 2, 24, 0, new byte[16]);
        assertRefused(bmp, ErrorCode.IMAGE_UNSUPPORTED_FORMAT, "bmp is not accepted");
        assertRefused("<svg xmlns='http://www.w3.org/2000/svg'/>".getBytes(), ErrorCode.IMAGE_UNSUPPORTED_FORMAT, "not a supported image");
        ImageDecoder legacy = new ImageDecoder(DecodeLimits.defaults().withFormats(EnumSet.allOf(ImageFormat.class)));
        assertThat(legacy.decode(bmp).width()).isEqualTo(2);
        byte[] embeddedJpeg = ViewerImages.bmp(64, 64, 24, 4, ViewerImages.jpeg(ViewerImages.solid(64, 64, RED), false, 0));
        assertRefused(legacy, embeddedJpeg, ErrorCode.IMAGE_UNSUPPORTED_FORMAT, "embedded jpeg");
        assertRefused(legacy, ViewerImages.tiff(8, 8, 3, 8, 1, true), ErrorCode.IMAGE_UNSUPPORTED_FORMAT, "more than one page");
        assertRefused(legacy, ViewerImages.tiff(8, 8, 3, 8, 7, false), ErrorCode.IMAGE_UNSUPPORTED_FORMAT, "embedded jpeg");
    }

    @Test
    void headersThatDeclareGigabytesAreRefusedBeforeAnythingIsAllocated() {
        ImageDecoder legacy = new ImageDecoder(DecodeLimits.defaults().withFormats(EnumSet.allOf(ImageFormat.class)));
        // A 16-bit RGBA PNG under the pixel limit: 49 Mpx at 8 bytes each, and its ARGB.
        byte[] deepPng = ViewerImages.pngDeclaring(7000, 7000, 16, 6);
        byte[] rleBmp = ViewerImages.bmp(12_000, 4_000, 8, 1, new byte[64]);
        byte[] tiff = ViewerImages.tiff(7000, 7000, 4, 16, 32773, false);
        assertThat(rleBmp.length + tiff.length).isLessThan(300);
        for (byte[] bomb : List.of(deepPng, rleBmp, tiff)) {
            long before = allocated();
            long t0 = System.nanoTime();
            assertRefused(legacy, bomb, ErrorCode.IMAGE_TOO_LARGE, "MiB; limit 384 MiB");
            assertThat((System.nanoTime() - t0) / 1e6).as("ms").isLessThan(200);
            assertThat(allocated() - before).as("bytes allocated to refuse it").isLessThan(4 << 20);
        }
    }

    @Test
    void decodesWaitForTheProcessBudgetAndAreRefusedAsBusyAfterTheWait() throws Exception {
        DecodeMemory memory = new DecodeMemory(10 << 20, Duration.ofMillis(200));
        try (DecodeMemory.Lease held = memory.reserve(8 << 20)) {
            assertThat(memory.inUse()).isEqualTo(8 << 20);
            assertThatThrownBy(() -> memory.reserve(4 << 20)).isInstanceOfSatisfying(ClipGuardException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.DECODE_BUSY));
            Thread release = new Thread(() -> {
                sleep(50);
                held.close();
            });
            release.start();
            try (DecodeMemory.Lease next = memory.reserve(4 << 20)) {
                assertThat(memory.inUse()).isEqualTo(4 << 20);
            }
            release.join();
        }
        assertThat(memory.inUse()).isZero();
        assertThatThrownBy(() -> memory.reserve(11 << 20)).isInstanceOfSatisfying(ClipGuardException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.IMAGE_TOO_LARGE));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static long allocated() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    static int[] filled(int n, int argb) {
        int[] a = new int[n];
        Arrays.fill(a, argb);
        return a;
    }

    static void assertRefused(byte[] bytes, ErrorCode code, String message) {
        assertRefused(DECODER, bytes, code, message);
    }

    static void assertRefused(ImageDecoder decoder, byte[] bytes, ErrorCode code, String message) {
        assertThatThrownBy(() -> decoder.decode(bytes)).isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(code))
                .hasMessageContaining(message);
    }

    private static int indexOf(byte[] d, int marker) {
        for (int i = 2; i + 1 < d.length; i++) {
            if ((d[i] & 0xFF) == 0xFF && (d[i + 1] & 0xFF) == marker) {
                return i;
            }
        }
        throw new IllegalArgumentException();
    }
}
