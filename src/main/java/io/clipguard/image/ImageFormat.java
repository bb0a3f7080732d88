package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.util.Locale;
import java.util.Set;

/**
 * The container formats ClipGuard reads, recognised by their magic bytes alone (never by a
 * name, a MIME type or whichever ImageIO plugin claims the bytes first), so that what is
 * decoded is exactly what the allow-list admits.
 */
public enum ImageFormat {
    JPEG, PNG, GIF, WEBP, BMP, TIFF;

    /** Accepted unless a setting narrows it; BMP and TIFF only when a setting adds them. */
    public static final Set<ImageFormat> DEFAULT_ALLOWED = Set.of(JPEG, PNG, GIF, WEBP);

    /** The format whose signature starts {@code b}; {@code null} when none does. */
    public static ImageFormat sniff(byte[] b) {
        if (starts(b, 0xFF, 0xD8, 0xFF)) {
            return JPEG;
        }
        if (starts(b, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return PNG;
        }
        if (starts(b, 'G', 'I', 'F', '8') && b.length > 5 && (b[4] == '7' || b[4] == '9') && b[5] == 'a') {
            return GIF;
        }
        if (starts(b, 'R', 'I', 'F', 'F') && b.length >= 12 && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
            return WEBP;
        }
        if (starts(b, 'B', 'M')) {
            return BMP;
        }
        if (starts(b, 'I', 'I', 42, 0) || starts(b, 'M', 'M', 0, 42)) {
            return TIFF;
        }
        return null;
    }

    /** The format of {@code b} when {@code allowed} admits it, else {@code IMAGE_UNSUPPORTED_FORMAT}. */
    public static ImageFormat admit(byte[] b, Set<ImageFormat> allowed) {
        ImageFormat f = sniff(b);
        if (f == null || !allowed.contains(f)) {
            throw new ClipGuardException(ErrorCode.IMAGE_UNSUPPORTED_FORMAT, (f == null ? "not a supported image" : f.label()
                    + " is not accepted here") + " (accepted: " + String.join(", ", allowed.stream().sorted().map(ImageFormat::label).toList())
                    + ")");
        }
        return f;
    }

    /** Lower-case name, as audit records carry it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A format by its label ({@code jpeg}, {@code bmp}, ...), for settings. */
    public static ImageFormat of(String label) {
        return valueOf(label.trim().toUpperCase(Locale.ROOT));
    }

    private static boolean starts(byte[] b, int... magic) {
        if (b.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((b[i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
