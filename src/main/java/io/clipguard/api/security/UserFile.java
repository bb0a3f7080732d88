package io.clipguard.api.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The embedded default's users: a text file, one user per line,
 * {@code name:pbkdf2-sha256$...:role,role}; {@code #} starts a comment. Written by
 * {@code clipguard user add}; read by the HTTP layer on each login (re-read when it changes).
 */
public final class UserFile {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

    /** One user: the name, the encoded password hash, the roles. */
    public record User(String name, String passwordHash, Set<String> roles) {
    }

    private UserFile() {
    }

    public static Map<String, User> read(Path file) throws IOException {
        Map<String, User> users = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return users;
        }
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] parts = t.split(":", 3);
            if (parts.length != 3 || !NAME.matcher(parts[0]).matches()) {
                throw new IOException(file + " line " + lineNo + ": expected name:hash:roles");
            }
            users.put(parts[0], new User(parts[0], parts[1], roles(parts[2])));
        }
        return users;
    }

    /** Re-hashes {@code name}'s password with today's iteration count, keeping the roles (after a verified login). */
    public static synchronized void rehash(Path file, String name, char[] password) throws IOException {
        Map<String, User> users = read(file);
        User u = users.get(name);
        if (u != null && PasswordHash.matches(password, u.passwordHash())) {
            users.put(name, new User(name, PasswordHash.hash(password), u.roles()));
            write(file, users);
        }
    }

    /** Adds or replaces {@code name}, hashing {@code password}; the file is replaced atomically and readable by its owner only. */
    public static synchronized void put(Path file, String name, char[] password, Set<String> roles) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("user name must match " + NAME.pattern());
        }
        if (password.length < 8) {
            throw new IllegalArgumentException("password must have at least 8 characters");
        }
        for (String r : roles) {
            if (!Roles.known(r)) {
                throw new IllegalArgumentException("unknown role '" + r + "' (roles: " + String.join(", ", new java.util.TreeSet<>(Roles.ALL))
                        + "; editor and publisher may be scoped to a policy: editor@POLICY-ID)");
            }
        }
        Map<String, User> users = read(file);
        users.put(name, new User(name, PasswordHash.hash(password), new LinkedHashSet<>(roles)));
        write(file, users);
    }

    private static void write(Path file, Map<String, User> users) throws IOException {
        List<String> lines = new ArrayList<>(List.of("# ClipGuard users: name:password-hash:roles (written by 'clipguard user add')"));
        users.values().forEach(u -> lines.add(u.name() + ":" + u.passwordHash() + ":" + String.join(",", u.roles())));
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = OwnerOnly.createTempFile(parent, ".users");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The user's roles when {@code password} is theirs. An unknown name costs one PBKDF2 too, so timing tells nothing. */
    public static Optional<Set<String>> authenticate(Map<String, User> users, String name, char[] password) {
        User u = users.get(name);
        boolean ok = PasswordHash.matches(password, u != null ? u.passwordHash() : PasswordHash.DUMMY) && u != null;
        return ok ? Optional.of(u.roles()) : Optional.empty();
    }

    private static Set<String> roles(String csv) {
        Set<String> out = new LinkedHashSet<>();
        Arrays.stream(csv.split(",")).map(String::strip).filter(r -> !r.isEmpty()).forEach(out::add);
        return out;
    }
}
