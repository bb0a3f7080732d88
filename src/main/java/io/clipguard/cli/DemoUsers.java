package io.clipguard.cli;

import io.clipguard.api.security.OwnerOnly;
import io.clipguard.api.security.UserFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The demo's users, created on first run when no users file exists: one per role, with
 * random passwords, printed once and kept beside the users file in
 * {@code demo-credentials.txt} (owner-readable only). Never used by {@code serve}.
 */
final class DemoUsers {
    private static final String ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private DemoUsers() {
    }

    static void ensure(Path usersFile, PrintWriter out) throws IOException {
        Path credentials = usersFile.toAbsolutePath().resolveSibling("demo-credentials.txt");
        if (Files.exists(usersFile)) {
            out.printf("Demo users: %s%s%n", shown(usersFile),
                    Files.exists(credentials) ? " (demo passwords in " + shown(credentials) + ")" : "");
            return;
        }
        SecureRandom random = new SecureRandom();
        List<String> lines = new ArrayList<>();
        for (String role : List.of("viewer", "editor", "publisher", "reviewer")) {
            StringBuilder password = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                password.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            String name = "demo-" + role;
            Set<String> roles = role.equals("viewer") ? Set.of("viewer") : Set.of("viewer", role);
            UserFile.put(usersFile, name, password.toString().toCharArray(), roles);
            lines.add(name + " " + password + " " + roles);
        }
        Files.deleteIfExists(credentials);
        Files.write(OwnerOnly.createFile(credentials), lines, StandardCharsets.UTF_8);
        out.printf("Created demo users in %s (user password roles):%n", shown(usersFile));
        lines.forEach(l -> out.println("  " + l));
    }

    /** The path relative to the working directory when it lies inside it (what a reader can use), else as given. */
    static Path shown(Path file) {
        Path cwd = Path.of("").toAbsolutePath();
        Path abs = file.toAbsolutePath().normalize();
        return abs.startsWith(cwd) ? cwd.relativize(abs) : file;
    }
}
