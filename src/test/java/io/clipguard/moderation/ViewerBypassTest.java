package io.clipguard.moderation;

import static org.assertj.core.api.Assertions.assertThat;

import io.clipguard.config.Settings;
import io.clipguard.schema.SourcePosition;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.testing.ViewerImages;
import io.clipguard.tools.demo.ShapeScenes;
import io.opentelemetry.context.Context;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bypasses of a reader that sees something other than the viewer, each uploaded with the
 * demo policy (red triangle = BLOCK): decided as what a viewer sees, with the view that decided
 * in the audit record.
 */
class ViewerBypassTest {
    @TempDir
    static java.nio.file.Path dir;
    static ModerationRuntime runtime;
    final ShapeScenes scenes = new ShapeScenes(11);
    final SourcePosition source = new SourcePosition("uploads", 0, 1L);

    @BeforeAll
    static void open() {
        runtime = ModerationRuntime.open(Settings.load(TestNode.settings("unused:9092", "bypass-test", "b1", dir)));
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    Outcome.Decided moderate(String id, byte[] image) throws Exception {
        Outcome outcome = runtime.moderator().moderate(Uploads.inline(id, image), source, Context.root()).get(30, TimeUnit.SECONDS);
        assertThat(outcome).as(id).isInstanceOf(Outcome.Decided.class);
        return (Outcome.Decided) outcome;
    }

    BufferedImage picture(String colour, String shape, int w, int h) throws Exception {
        return ImageIO.read(new ByteArrayInputStream(scenes.draw(colour, shape, w, h, false).bytes()));
    }

    static int[] argb(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void aJfifFileWithAnAdobeSegmentIsBlockedAsTheRedTriangleViewersSee() throws Exception {
        byte[] jpeg = ViewerImages.jpeg(picture("red", "triangle", 640, 480), false, 0);
        assertThat(moderate("plain", jpeg).decision().getAction().name()).isEqualTo("BLOCK");
        Outcome.Decided d = moderate("adobe", ViewerImages.withAdobe(jpeg, 0));
        assertThat(d.decision().getAction().name()).isEqualTo("BLOCK");
        assertThat(d.decision().getTriggeringCategory()).isEqualTo("red-triangle");
        assertThat(d.audit().getView()).isEqualTo("still");
    }

    @Test
    void aProgressiveFileWithItsTablesRedefinedAfterTheLastScanIsBlocked() throws Exception {
        byte[] jpeg = ViewerImages.jpeg(picture("red", "triangle", 2000, 1800), true, 0, false);
        Outcome.Decided d = moderate("late-tables", ViewerImages.lateTables(jpeg, 1));
        assertThat(d.decision().getAction().name()).isEqualTo("BLOCK");
    }

    @Test
    void aGifWhoseFirstFrameIsOnePixelIsBlockedOnTheFramesThatPlay() throws Exception {
        BufferedImage red = picture("red", "triangle", 240, 240);
        int[] palette = webPalette();
        List<ViewerImages.GifFrame> frames = new ArrayList<>();
        frames.add(new ViewerImages.GifFrame(0, 0, 1, 1, new byte[] {0}, 1, -1));
        for (int i = 0; i < 5; i++) {
            frames.add(new ViewerImages.GifFrame(0, 0, 240, 240, indexes(argb(red)), 1, -1));
        }
        Outcome.Decided d = moderate("gif", ViewerImages.gif(240, 240, palette, frames));
        assertThat(d.decision().getAction().name()).isEqualTo("BLOCK");
        assertThat(d.audit().getFrames()).isEqualTo(6);
        assertThat(d.audit().getViews()).as("frames 1, 2, 4, 6 (by display time); the first on white and on black").isEqualTo(5);
        assertThat(d.audit().getView()).matches("frame [2-6] of 6");
    }

    @Test
    void anApngIsBlockedOnItsFrameNotAllowedOnTheDefaultImageBrowsersNeverShow() throws Exception {
        BufferedImage blue = picture("blue", "circle", 200, 200);
        BufferedImage red = picture("red", "triangle", 200, 200);
        byte[] apng = ViewerImages.apng(200, 200, argb(blue), List.of(new ViewerImages.ApngFrame(0, 0, 200, 200, argb(red), 0, 0)));
        Outcome.Decided d = moderate("apng", apng);
        assertThat(d.decision().getAction().name()).isEqualTo("BLOCK");
        assertThat(d.audit().getFrames()).isEqualTo(1);
    }

    @Test
    void colourUnderFullTransparencyIsNotWhatIsScoredButHalfTransparentRedIs() throws Exception {
        int[] hidden = argb(picture("red", "triangle", 200, 200));
        int[] half = hidden.clone();
        for (int i = 0; i < hidden.length; i++) {
            hidden[i] &= 0x00FFFFFF;
            half[i] = (half[i] & 0x00FFFFFF) | 0xC0000000;
        }
        Outcome.Decided invisible = moderate("invisible", ViewerImages.rgbaPng(hidden, 200, 200));
        assertThat(invisible.decision().getTriggeringCategory()).isNotEqualTo("red-triangle");
        assertThat(invisible.audit().getViews()).isEqualTo(2);
        Outcome.Decided visible = moderate("visible", ViewerImages.rgbaPng(half, 200, 200));
        assertThat(visible.decision().getAction().name()).isEqualTo("BLOCK");
        assertThat(visible.audit().getView()).isIn("still on white", "still on black");
    }

    /** The 216 web-safe colours. */
    static int[] webPalette() {
        int[] p = new int[216];
        int i = 0;
        for (int r = 0; r < 6; r++) {
            for (int g = 0; g < 6; g++) {
                for (int b = 0; b < 6; b++) {
                    p[i++] = (r * 51) << 16 | (g * 51) << 8 | b * 51;
                }
            }
        }
        return p;
    }

    static byte[] indexes(int[] argb) {
        byte[] out = new byte[argb.length];
        for (int i = 0; i < argb.length; i++) {
            int r = (((argb[i] >> 16) & 0xFF) + 25) / 51;
            int g = (((argb[i] >> 8) & 0xFF) + 25) / 51;
            int b = ((argb[i] & 0xFF) + 25) / 51;
            out[i] = (byte) (r * 36 + g * 6 + b);
        }
        return out;
    }
}
