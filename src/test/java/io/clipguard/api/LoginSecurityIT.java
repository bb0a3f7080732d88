package io.clipguard.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import io.clipguard.api.security.PasswordHash;
import io.clipguard.api.security.UserFile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Logins as an attacker sees them: unknown names cost what known ones do, failed logins are
 * throttled per user and per address (429 with Retry-After), and an old, cheaper hash is
 * replaced at the next good login. Client addresses come from {@code X-Forwarded-For} here,
 * as behind a proxy that Quarkus is told to trust.
 */
@QuarkusTest
@TestProfile(LoginSecurityIT.Strict.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoginSecurityIT {
    static final Path USERS = Path.of("target/login-users");
    static final String PASSWORD = "a long enough password";

    /** Throttling after three failures for a name, six for an address; addresses from a trusted proxy's header. */
    public static class Strict implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("clipguard.users.file", USERS.toString(), "clipguard.users.failed-logins-per-user", "3",
                    "clipguard.users.failed-logins-per-address", "6", "clipguard.users.failed-login-window", "10m",
                    "quarkus.http.proxy.proxy-address-forwarding", "true", "quarkus.http.proxy.allow-x-forwarded", "true");
        }
    }

    @BeforeAll
    void users() throws Exception {
        Files.deleteIfExists(USERS);
        for (String name : List.of("ivy", "jon", "kim", "old")) {
            UserFile.put(USERS, name, PASSWORD.toCharArray(), Set.of("viewer"));
        }
    }

    static RequestSpecification from(String address, String user, String password) {
        return given().header("X-Forwarded-For", address).auth().preemptive().basic(user, password);
    }

    @Test
    void theUsersFileIsTheOwnersAloneAndHashesUse600000Iterations() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(USERS))).isEqualTo("rw-------");
        assertThat(Files.readString(USERS)).contains("pbkdf2-sha256$600000$");
    }

    @Test
    void unknownNamesCostWhatKnownOnesDo() {
        List<Long> known = new ArrayList<>();
        List<Long> unknown = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            known.add(timeLogin("10.0.0.1", "ivy", "wrong " + i));
            unknown.add(timeLogin("10.0.0.1", "nobody-" + i, "wrong " + i));
        }
        double ratio = (double) median(unknown) / median(known);
        assertThat(ratio).as("unknown / known login time, ms " + unknown + " vs " + known).isBetween(0.5, 2.0);
    }

    @Test
    void failedLoginsAreThrottledPerUserWithRetryAfter() {
        for (int i = 0; i < 3; i++) {
            from("10.0.0.2", "jon", "guess " + i).get("/me").then().statusCode(401);
        }
        // The fourth try is refused without checking the password, the right one included, from any address.
        from("10.0.0.9", "jon", PASSWORD).get("/me").then().statusCode(429).body("code", equalTo("TOO_MANY_LOGINS"));
        int wait = Integer.parseInt(from("10.0.0.2", "jon", PASSWORD).get("/me").header("Retry-After"));
        assertThat(wait).as("seconds until the oldest failure leaves the ten-minute window").isBetween(500, 601);
        // Another user is not locked out by jon's failures.
        from("10.0.0.2", "kim", PASSWORD).get("/me").then().statusCode(200).body("user", equalTo("kim"));
    }

    @Test
    void failedLoginsAreThrottledPerAddress() {
        for (int i = 0; i < 6; i++) {
            from("10.0.0.3", "spray-" + i, "guess").get("/me").then().statusCode(401);
        }
        from("10.0.0.3", "kim", PASSWORD).get("/me").then().statusCode(429).header("Retry-After", org.hamcrest.Matchers.notNullValue());
        from("10.0.0.4", "kim", PASSWORD).get("/me").then().statusCode(200);
    }

    @Test
    void anOldCheaperHashIsReplacedAtTheNextGoodLogin() throws Exception {
        String line = Files.readAllLines(USERS).stream().filter(l -> l.startsWith("old:")).findFirst().orElseThrow();
        String cheaper = hash210k(PASSWORD);
        Files.writeString(USERS, Files.readString(USERS).replace(line, "old:" + cheaper + ":viewer"));
        assertThat(PasswordHash.outdated(cheaper)).isTrue();
        from("10.0.0.5", "old", PASSWORD).get("/me").then().statusCode(200).body("user", equalTo("old"));
        String rewritten = UserFile.read(USERS).get("old").passwordHash();
        assertThat(rewritten).startsWith("pbkdf2-sha256$600000$");
        assertThat(UserFile.authenticate(UserFile.read(USERS), "old", PASSWORD.toCharArray())).contains(Set.of("viewer"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(USERS))).isEqualTo("rw-------");
    }

    /** A hash as an earlier release wrote it: 210,000 iterations. */
    private static String hash210k(String password) throws Exception {
        byte[] salt = "sixteen byte slt".getBytes(StandardCharsets.UTF_8);
        byte[] key = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(new PBEKeySpec(password.toCharArray(), salt,
                210_000, 256)).getEncoded();
        return "pbkdf2-sha256$210000$" + Base64.getEncoder().encodeToString(salt) + "$" + Base64.getEncoder().encodeToString(key);
    }

    private static long timeLogin(String address, String user, String password) {
        long t0 = System.nanoTime();
        from(address, user, password).get("/me").then().statusCode(401);
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
