package io.clipguard.api.security;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Files only their owner can read, created that way (mode 0600 from the first byte, never
 * chmod-ed after a window in which others could open them): users files and the demo's
 * credentials.
 */
public final class OwnerOnly {
    private OwnerOnly() {
    }

    /** A new file at {@code path} with mode 0600 (on a POSIX file system); fails if it exists. */
    public static Path createFile(Path path) throws IOException {
        return Files.createFile(path, attributes());
    }

    /** A new temporary file in {@code dir} with mode 0600. */
    public static Path createTempFile(Path dir, String prefix) throws IOException {
        return Files.createTempFile(dir, prefix, ".tmp", attributes());
    }

    private static FileAttribute<?>[] attributes() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
    }
}
