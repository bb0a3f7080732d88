package io.clipguard.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.testing.HostileImages;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Images crafted to stall or mislead a decoder are refused at once, with their own codes. */
class HostileImageTest {
    static final ImageDecoder DECODER = new ImageDecoder(DecodeLimits.defaults());
    static final byte[] BASE = HostileImages.jpeg(1200, 900);

    static void refused(byte[] image, int minShortSide, ErrorCode code, String message) {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> DECODER.decode(image, minShortSide, CpuBudget.start(Duration.ofSeconds(3))))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(code)).hasMessageContaining(message);
        assertThat((System.nanoTime() - t0) / 1e6).as("ms to refuse").isLessThan(500);
    }

    @Test
    void theFileIsOrdinaryBeforeEditing() {
        // Noise in YCbCr cannot be proven to stay in the RGB cube block by block: the full path reads it.
        assertThat(DECODER.decode(BASE, 224).decodePath()).isEqualTo("full");
        assertThat(DECODER.decode(BASE).width()).isEqualTo(1200);
    }

    @Test
    void aSecondFrameHeaderIsCorruptOnBothDecodePaths() {
        byte[] twice = HostileImages.secondFrameHeader(BASE, 65535, 65535);
        refused(twice, 0, ErrorCode.IMAGE_CORRUPT, "second frame header");
        refused(twice, 224, ErrorCode.IMAGE_CORRUPT, "second frame header");
        refused(HostileImages.secondFrameHeader(BASE, 600, 450), 224, ErrorCode.IMAGE_CORRUPT, "second frame header");
    }

    @Test
    void emptyScanHeadersWithARestartIntervalOfOneAreRefusedWithoutDecoding() {
        byte[] scans = HostileImages.manyEmptyScans(BASE, 20_000);
        assertThat(scans.length).isGreaterThan(250_000);
        refused(scans, 224, ErrorCode.IMAGE_CORRUPT, "more than 3 scans");
        refused(scans, 0, ErrorCode.IMAGE_CORRUPT, "more than 3 scans");
    }

    @Test
    void aZeroSamplingFactorIsCorruptNotAnArithmeticError() {
        refused(HostileImages.zeroSamplingFactor(BASE), 224, ErrorCode.IMAGE_CORRUPT, "sampling factors 0x0");
    }

    @Test
    void longAnimationsAreTooComplexAndShortOnesDecode() {
        refused(HostileImages.gifFrames(2000), 0, ErrorCode.IMAGE_TOO_COMPLEX, "more than 500 frames");
        assertThat(DECODER.decode(HostileImages.gifFrames(3)).width()).isEqualTo(1);
    }

    @Test
    void theCpuDeadlineStopsDecodingOnEveryPath() {
        byte[] big = HostileImages.jpeg(4000, 3000);
        for (int minShortSide : new int[] {0, 224}) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> DECODER.decode(big, minShortSide, CpuBudget.start(Duration.ofMillis(5))))
                    .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.IMAGE_TOO_COMPLEX));
            assertThat((System.nanoTime() - t0) / 1e6).as("ms until the " + (minShortSide == 0 ? "full" : "reduced") + " decode stops")
                    .isLessThan(400);
        }
        DecodedImage full = DECODER.decode(big);
        ClipPreprocessor pre = new ClipPreprocessor(PreprocessSpec.clipDefaults());
        assertThatThrownBy(() -> pre.toTensor(full, CpuBudget.start(Duration.ZERO)))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.IMAGE_TOO_COMPLEX));
    }
}
