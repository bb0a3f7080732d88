package io.clipguard.bank;

import io.clipguard.pdq.PdqHash;
import io.clipguard.schema.BankEntry;
import java.time.Instant;
import java.util.List;

/** Between the entries as the banks topic carries them and as {@link Banks} holds them. */
public final class BankEntries {
    private BankEntries() {
    }

    /** The topic key of an entry: {@code bank/entry}. */
    public static String key(String bank, String entry) {
        return bank + "/" + entry;
    }

    /** The entry as held for matching; null when it carries neither a valid hash nor a vector. */
    public static Banks.Entry held(BankEntry e) {
        PdqHash pdq = null;
        float[] vector = null;
        if (e.getPdq() != null) {
            try {
                pdq = PdqHash.parse(e.getPdq());
            } catch (IllegalArgumentException bad) {
                return null;
            }
        } else if (e.getVector() != null && e.getModelDigest() != null) {
            List<Float> v = e.getVector();
            vector = new float[v.size()];
            for (int i = 0; i < vector.length; i++) {
                vector[i] = v.get(i);
            }
        } else {
            return null;
        }
        return new Banks.Entry(e.getBank(), e.getEntry(), pdq, vector, e.getModelDigest(), e.getExpiresAt());
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
        List<Float> v = new java.util.ArrayList<>(vector.length);
        for (float f : vector) {
            v.add(f);
        }
        return BankEntry.newBuilder().setBank(bank).setEntry(entry).setKind("embedding").setVector(v).setModelDigest(modelDigest)
                .setSource(source).setAddedBy(addedBy).setAddedAt(at).setReason(reason).setExpiresAt(expiresAt).build();
    }
}
