package io.clipguard.api.security;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.spec.InvalidKeySpecException;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashes for the local user file: PBKDF2-HMAC-SHA256 with a random 16-byte salt,
 * written {@code pbkdf2-sha256$ITERATIONS$SALT$HASH} (Base64), compared in constant time.
 * The JDK has PBKDF2 built in, so no native or extra library is needed. 600,000 iterations
 * (OWASP's figure for PBKDF2-HMAC-SHA256); a hash with fewer is re-hashed at the next login.
 */
public final class PasswordHash {
    static final String PREFIX = "pbkdf2-sha256";
    static final int ITERATIONS = 600_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHash() {
    }

    public static String hash(char[] password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return PREFIX + "$" + ITERATIONS + "$" + Base64.getEncoder().encodeToString(salt) + "$"
                + Base64.getEncoder().encodeToString(derive(password, salt, ITERATIONS));
    }

    /** A hash of a password nobody has, checked against for unknown users so that they cost what known ones do. */
    static final String DUMMY = hash(new char[] {'\u0000'});

    /** Whether {@code encoded} was made with fewer iterations than hashes are made with now. */
    public static boolean outdated(String encoded) {
        String[] parts = encoded.split("\\$");
        try {
            return parts.length == 4 && Integer.parseInt(parts[1]) < ITERATIONS;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** True when {@code password} matches {@code encoded}; false for a malformed hash too. */
    public static boolean matches(char[] password, String encoded) {
        String[] parts = encoded.split("\\$");
        if (parts.length != 4 || !parts[0].equals(PREFIX)) {
            return false;
        }
        try {
            int iterations = Integer.parseInt(parts[1]);
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            return iterations > 0 && MessageDigest.isEqual(expected, derive(password, salt, iterations));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations) {
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(password, salt, iterations, 256)).getEncoded();
        } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
        }
    }
}
