package io.clipguard.bank;

import io.clipguard.pdq.PdqHash;
import io.clipguard.schema.BankEntry;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/** Between the entries as the banks topic carries them and as {@link Banks} holds them. */
public final class BankEntries {
    private BankEntries() {
    }

    /** The topic key of an entry: {@code bank/entry}. */
    public static String key(String bank, String entry) {
        return bank + "/" + entry;
    }

    /** What a bank id looks like: what the API accepts, and all the topic's readers hold. */
    public static final Pattern BANK_ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    /** The longest entry id (a hash is 64 hex digits) and model digest held. */
    static final int MAX_ID = 128;
    /** The longest exemplar held (dimensions). */
    static final int MAX_DIMENSION = 4096;

    /**
     * The entry as held for matching; null when it is not usable: no valid hash or vector, a bank
     * id or entry id out of form, or an exemplar that is not a finite unit vector (as every
     * embedding ClipGuard writes is). Anyone who may write the topic can write a record, so a
     * record is what it says only when it looks like what ClipGuard writes: an unnormalised
     * vector would otherwise beat every real exemplar, and a long one set a model's dimension.
     */
    public static Banks.Entry held(BankEntry e) {
        if (!BANK_ID.matcher(e.getBank()).matches() || e.getEntry().isEmpty() || e.getEntry().length() > MAX_ID || e.getEntry().contains("/")) {
            return null;
        }
        PdqHash pdq = null;
        float[] vector = null;
        if (e.getPdq() != null) {
            try {
                pdq = PdqHash.parse(e.getPdq());
            } catch (IllegalArgumentException bad) {
                return null;
            }
        } else if (e.getVector() != null && e.getModelDigest() != null && e.getModelDigest().length() <= MAX_ID) {
            vector = unit(e.getVector());
            if (vector == null) {
                return null;
            }
        } else {
            return null;
        }
        return new Banks.Entry(e.getBank(), e.getEntry(), pdq, vector, e.getModelDigest(), e.getExpiresAt());
    }

    /** The vector when it is finite, of a plausible length and of norm 1 (within 1e-3); else null. */
    static float[] unit(List<Float> v) {
        if (v.isEmpty() || v.size() > MAX_DIMENSION) {
            return null;
        }
        float[] out = new float[v.size()];
        double norm = 0;
        for (int i = 0; i < out.length; i++) {
            float x = v.get(i) == null ? Float.NaN : v.get(i);
            if (!Float.isFinite(x)) {
                return null;
            }
            out[i] = x;
            norm += (double) x * x;
        }
        return Math.abs(Math.sqrt(norm) - 1) <= 1e-3 ? out : null;
    }

    /** An exemplar's entry id: the first 16 hex digits of its image's SHA-256, so adding the same image again replaces it. */
    public static String exemplarId(byte[] image) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A PDQ entry. */
    public static BankEntry pdq(String bank, String entry, PdqHash hash, Integer quality, String source, String addedBy, Instant at,
                                String reason, String metadata, Instant expiresAt) {
        return BankEntry.newBuilder().setBank(bank).setEntry(entry).setKind("pdq").setPdq(hash.toString()).setQuality(quality)
                .setSource(source).setAddedBy(addedBy).setAddedAt(at).setReason(reason).setMetadata(metadata).setExpiresAt(expiresAt).build();
    }

    /** An exemplar embedding of model {@code modelDigest}. */
    public static BankEntry embedding(String bank, String entry, float[] vector, String modelDigest, String source, String addedBy,
                                      Instant at, String reason, Instant expiresAt) {
        List<Float> v = new ArrayList<>(vector.length);
        for (float f : vector) {
            v.add(f);
        }
        return BankEntry.newBuilder().setBank(bank).setEntry(entry).setKind("embedding").setVector(v).setModelDigest(modelDigest)
                .setSource(source).setAddedBy(addedBy).setAddedAt(at).setReason(reason).setExpiresAt(expiresAt).build();
    }
}
