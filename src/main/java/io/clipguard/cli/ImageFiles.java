package io.clipguard.cli;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.image.ImagePipeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and prepares the image files named on a command line. A file that cannot be used
 * is reported on stderr as {@code CODE: path: message} and skipped, so one bad file does
 * not hide the results for the others; the command then exits non-zero.
 */
final class ImageFiles {
    /** A prepared file. */
    record Item(Path path, ImagePipeline.Prepared prepared) {
    }

    private final List<Item> items = new ArrayList<>();
    private int worstExit;

    ImageFiles(List<Path> files, ImagePipeline pipeline, PrintWriter err) {
        for (Path file : files) {
            try {
                items.add(new Item(file, pipeline.prepare(read(file))));
            } catch (ClipGuardException e) {
                err.println(e.code() + ": " + file + ": " + e.getMessage());
                worstExit = Math.max(worstExit, e.code().exitStatus());
            }
        }
    }

    /** The file's bytes; {@code FILE_NOT_FOUND} or {@code FILE_UNREADABLE} (the message does not repeat the path). */
    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ClipGuardException(ErrorCode.FILE_NOT_FOUND, "no such file");
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.FILE_UNREADABLE, e.getMessage());
        }
    }

    List<Item> items() {
        return items;
    }

    List<float[]> tensors() {
        return items.stream().map(i -> i.prepared().tensor()).toList();
    }

    /** 0 when every file was used, else the exit status of the worst failure. */
    int exitCode() {
        return worstExit;
    }
}
