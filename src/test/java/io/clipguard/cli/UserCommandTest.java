package io.clipguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.api.security.UserFile;
import io.clipguard.error.ErrorCode;
import io.clipguard.testing.Cli;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code user add}: a hashed password in the users file, and refused roles. */
class UserCommandTest {
    @TempDir
    Path dir;

    @Test
    void userAddWritesAHashedPasswordAndRefusesUnknownRoles() throws Exception {
        Path users = dir.resolve("users");
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream("s3cret-passw0rd\n".getBytes(StandardCharsets.UTF_8)));
            Cli.Run ok = Cli.run("user", "add", "erin", "--role", "viewer", "--role", "editor", "--file", users.toString());
            assertThat(ok.exit()).as(ok.err()).isZero();
            String text = Files.readString(users);
            assertThat(text).contains("erin:pbkdf2-sha256$600000$").doesNotContain("s3cret");
            var all = UserFile.read(users);
            assertThat(UserFile.authenticate(all, "erin", "s3cret-passw0rd".toCharArray())).contains(Set.of("viewer", "editor"));
            assertThat(UserFile.authenticate(all, "erin", "wrong-password".toCharArray())).isEmpty();

            System.setIn(new ByteArrayInputStream("s3cret-passw0rd\n".getBytes(StandardCharsets.UTF_8)));
            Cli.Run bad = Cli.run("user", "add", "x", "--role", "admin", "--file", users.toString());
            assertThat(bad.exit()).isEqualTo(ErrorCode.Exit.USAGE);
            assertThat(bad.err()).contains("unknown role 'admin'");
        } finally {
            System.setIn(stdin);
        }
    }
}
