package io.clipguard.bank;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.pdq.PdqHash;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * The hash-list format industry programmes exchange (HMA, ThreatExchange exports): one PDQ hash
 * per line as 64 hex digits, optionally followed by a tab and free metadata; blank lines and
 * {@code #} comments are skipped. Lists run to millions of lines, so they are read as a stream:
 * {@link #check} reads the whole list and refuses it if any line is bad (nothing half-imported),
 * {@link #hashes} then yields the lines one at a time. A line is at most {@value #MAX_LINE}
 * characters, so memory is one line whatever the file.
 */
public final class HashList {
    public static final int MAX_LINE = 4096;
    public static final int MAX_METADATA = 2048;
    private static final int ERRORS_NAMED = 10;

    private HashList() {
    }

    /** One usable line. */
    public record Line(PdqHash hash, String metadata) {
    }

    /** Reads every line; {@code BANK_ENTRY_INVALID} naming up to ten bad lines if any, else the count of hashes. */
    public static long check(Reader in) {
        List<String> errors = new ArrayList<>();
        long bad = 0;
        long good = 0;
        LineReader lines = new LineReader(in);
        for (String line; (line = lines.next()) != null; ) {
            try {
                if (parse(line, lines.number()) != null) {
                    good++;
                }
            } catch (IllegalArgumentException e) {
                bad++;
                if (errors.size() < ERRORS_NAMED) {
                    errors.add("line " + lines.number() + ": " + e.getMessage());
                }
            }
        }
        if (bad > 0) {
            throw new ClipGuardException(ErrorCode.BANK_ENTRY_INVALID, bad + " bad lines, nothing imported: " + String.join("; ", errors), errors);
        }
        return good;
    }

    /** The list's hashes, mapped by {@code toEntry}, read as they are asked for (after {@link #check}). */
    public static <T> Iterator<T> hashes(Reader in, Function<Line, T> toEntry) {
        LineReader lines = new LineReader(in);
        return new Iterator<>() {
            private Line next = advance();

            private Line advance() {
                for (String line; (line = lines.next()) != null; ) {
                    Line parsed = parse(line, lines.number());
                    if (parsed != null) {
                        return parsed;
                    }
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public T next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                Line current = next;
                next = advance();
                return toEntry.apply(current);
            }
        };
    }

    /** A line in the form {@link #hashes} reads. */
    public static String format(String pdqHex, String metadata) {
        return metadata == null ? pdqHex : pdqHex + "\t" + metadata;
    }

    /** The line's hash and metadata, null for a blank or comment line. */
    static Line parse(String line, long number) {
        if (line.length() > MAX_LINE) {
            throw new IllegalArgumentException("over " + MAX_LINE + " characters");
        }
        if (line.isBlank() || line.startsWith("#")) {
            return null;
        }
        int tab = line.indexOf('\t');
        String hex = (tab < 0 ? line : line.substring(0, tab)).strip();
        if (!hex.matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException("a PDQ hash is 64 hex digits");
        }
        String metadata = tab < 0 ? null : line.substring(tab + 1);
        if (metadata != null && metadata.length() > MAX_METADATA) {
            throw new IllegalArgumentException("metadata over " + MAX_METADATA + " characters");
        }
        return new Line(PdqHash.parse(hex), metadata);
    }

    /** Lines of at most {@link #MAX_LINE} + 1 characters: a longer one is cut there (and refused by {@link #parse}). */
    private static final class LineReader {
        private final Reader in;
        private final StringBuilder line = new StringBuilder();
        private long number;
        private boolean ended;

        LineReader(Reader in) {
            this.in = in;
        }

        String next() {
            if (ended) {
                return null;
            }
            line.setLength(0);
            try {
                int c;
                while ((c = in.read()) >= 0 && c != '\n') {
                    if (line.length() <= MAX_LINE) {
                        line.append((char) c);
                    }
                }
                if (c < 0) {
                    ended = true;
                    if (line.isEmpty()) {
                        return null;
                    }
                }
            } catch (IOException e) {
                throw new ClipGuardException(ErrorCode.FILE_UNREADABLE, e.getMessage(), e);
            }
            number++;
            int end = line.length();
            return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
        }

        long number() {
            return number;
        }
    }
}
