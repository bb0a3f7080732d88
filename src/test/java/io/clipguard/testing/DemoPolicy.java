package io.clipguard.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shipped demo policy's text, which the policy tests edit line by line. */
public final class DemoPolicy {
    private DemoPolicy() {
    }

    public static String yaml() {
        try {
            return Files.readString(Path.of("policies/demo-shapes.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
