package io.clipguard.pdq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clipguard.image.DecodeLimits;
import io.clipguard.image.DecodedImage;
import io.clipguard.image.ImageDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** PDQ against the reference's hashes of its own test images (within 10 bits, the reference's criterion for a correct port). */
class PdqHasherTest {
    private static final ImageDecoder DECODER = new ImageDecoder(DecodeLimits.defaults());

    static DecodedImage image(String name) {
        try (InputStream in = PdqHasherTest.class.getResourceAsStream("/pdq/" + name)) {
            return DECODER.decode(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, String> csv(String name) {
        Map<String, String> rows = new LinkedHashMap<>();
        try (InputStream in = PdqHasherTest.class.getResourceAsStream("/pdq/" + name)) {
            new String(in.readAllBytes()).lines().skip(1).map(l -> l.split(",")).forEach(c -> rows.put(c[0], c[1]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    static PdqHasher.Result hash(DecodedImage image) {
        return PdqHasher.hash(image.rgb(), image.width(), image.height());
    }

    @Test
    void hashesAgreeWithTheReferenceWithinTenBits() {
        csv("reference.csv").forEach((file, expected) -> {
            PdqHasher.Result r = hash(image(file));
            int distance = r.hash().distance(PdqHash.parse(expected));
            System.out.printf("%-22s %s quality %3d distance %d%n", file, r.hash(), r.quality(), distance);
            assertThat(distance).as(file).isLessThanOrEqualTo(10);
        });
    }

    /**
     * The reference's turned photographs were re-encoded after turning (their sizes differ from
     * the original's), and PDQ is not exactly invariant to turns: its own test suite accepts 16
     * bits for them, and so does this one. Every other variant is over 100 bits away.
     */
    @Test
    void dihedralVariantsMatchTheReferenceHashesOfTheTurnedPhotographs() {
        Map<PdqHasher.Dihedral, PdqHash> variants = hash(image("bridge-1-original.jpg")).dihedral();
        csv("dihedral.csv").forEach((variant, expected) -> {
            PdqHash reference = PdqHash.parse(expected);
            assertThat(variants.get(PdqHasher.Dihedral.valueOf(variant)).distance(reference)).as(variant).isLessThanOrEqualTo(16);
            variants.forEach((other, hash) -> {
                if (other != PdqHasher.Dihedral.valueOf(variant)) {
                    assertThat(hash.distance(reference)).as(other + " against " + variant).isGreaterThan(64);
                }
            });
        });
    }

    @Test
    void anImageTurnedInMemoryHashesAsTheVariantOfTheOriginal() {
        DecodedImage original = image("bridge-1-original.jpg");
        int w = original.width();
        int h = original.height();
        int[] turned = new int[w * h];
        // 90 degrees clockwise: the new image is h wide and w tall.
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                turned[x * h + (h - 1 - y)] = original.rgb()[y * w + x];
            }
        }
        int[] mirrored = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                mirrored[y * w + (w - 1 - x)] = original.rgb()[y * w + x];
            }
        }
        Map<PdqHasher.Dihedral, PdqHash> variants = hash(original).dihedral();
        PdqHash ofTurned = PdqHasher.hash(turned, h, w).hash();
        PdqHash ofMirrored = PdqHasher.hash(mirrored, w, h).hash();
        // PDQ is not exactly invariant (the 64x64 sampling grid does not turn with the image): a few bits move.
        assertThat(ofTurned.distance(variants.get(PdqHasher.Dihedral.ROTATE_270))).isLessThanOrEqualTo(16);
        assertThat(ofMirrored.distance(variants.get(PdqHasher.Dihedral.FLIP_Y))).isLessThanOrEqualTo(16);
        assertThat(ofTurned.distance(variants.get(PdqHasher.Dihedral.ORIGINAL))).as("turning changes the plain hash").isGreaterThan(64);
    }

    @Test
    void featurelessImagesScoreLowAndTinyOnesHashToZero() {
        int[] flat = new int[100 * 100];
        java.util.Arrays.fill(flat, 0x808080);
        assertThat(PdqHasher.hash(flat, 100, 100).quality()).isZero();
        PdqHasher.Result tiny = PdqHasher.hash(new int[16], 4, 4);
        assertThat(tiny.quality()).isZero();
        assertThat(tiny.hash()).isEqualTo(new PdqHash(0, 0, 0, 0));
        assertThat(hash(image("q2821.jpg")).quality()).isGreaterThanOrEqualTo(50);
    }

    @Test
    void aLargeImageIsAveragedDownFirstAndHashesAsAtFullResolution() {
        DecodedImage photo = image("bridge-1-original.jpg");
        // Three times the photograph's size: past the edge hashed at full resolution.
        int w = photo.width() * 3;
        int h = photo.height() * 3;
        assertThat(Math.max(w, h)).isGreaterThan(PdqHasher.MAX_EDGE);
        int[] big = new int[w * h];
        float[] luma = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = photo.rgb()[(y / 3) * photo.width() + x / 3];
                big[y * w + x] = p;
                luma[y * w + x] = 0.299f * ((p >> 16) & 0xff) + 0.587f * ((p >> 8) & 0xff) + 0.114f * (p & 0xff);
            }
        }
        PdqHash full = PdqHasher.hashLuma(luma, h, w).hash();
        PdqHash averaged = PdqHasher.hash(big, w, h).hash();
        System.out.println("averaged down: " + averaged.distance(full) + " bits from the full-resolution hash");
        assertThat(averaged.distance(full)).isLessThanOrEqualTo(10);
    }

    @Test
    void hexRoundTripsAndRefusesAnythingElse() {
        Random random = new Random(3);
        for (int i = 0; i < 100; i++) {
            PdqHash h = new PdqHash(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong());
            assertThat(PdqHash.parse(h.toString())).isEqualTo(h);
            assertThat(h.toString()).hasSize(64);
        }
        PdqHash h = PdqHash.parse("0007001f003f003f007f00ff00ff00ff01ff01ff01ff03ff03ff03ff03ff03ff");
        // The last four hex digits are row 0 of the DCT: bits 0-15.
        assertThat(h.chunk(0)).isEqualTo(0x03ff);
        assertThat(h.chunk(15)).isEqualTo(0x0007);
        assertThatThrownBy(() -> PdqHash.parse("abc")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PdqHash.parse("z".repeat(64))).isInstanceOf(IllegalArgumentException.class);
    }
}
