package io.clipguard.cli;

import java.util.Map;

/** Command-line options become setting overrides: an option given on the command line beats every other source. */
final class Options {
    private Options() {
    }

    /** Puts {@code value} under {@code setting} when the option was given (non-null). */
    static void put(Map<String, String> overrides, String setting, Object value) {
        if (value != null) {
            overrides.put(setting, value.toString());
        }
    }
}
