package io.clipguard.bank;

import io.clipguard.pdq.PdqHash;
import io.clipguard.pdq.PdqHasher;
import io.clipguard.pdq.PdqIndex;
import io.clipguard.policy.BankHit;
import io.clipguard.policy.Policy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every bank's entries as this instance holds them, and an upload's matches against the banks
 * a policy declares. Changes are applied as they arrive (from the banks topic) and become
 * visible at {@link #publish}, which swaps in a new immutable snapshot: matching never locks.
 * A PDQ bank's snapshot is a base index built in full plus the changes since (the entries
 * added or replaced, scanned one by one, and the base entries a change made dead), so one
 * change to a million-entry bank costs a small list rather than a second's rebuild; past
 * {@value #CHANGES_BEFORE_REBUILD} changes (or when an entry expires) the base is rebuilt.
 *
 * <p>Bounded: at most {@code maxEntries} entries in all (an add past it is refused by the
 * writer and skipped by readers, with a count), so a bank's memory is known in bytes: a PDQ
 * entry costs about 550 bytes with its index (id, hash, map entries, the index's 16 tables), an
 * embedding entry 4 bytes per dimension more.
 */
public final class Banks {
    /** One entry: a PDQ hash or an exemplar embedding of one model. */
    public record Entry(String bank, String id, PdqHash pdq, float[] vector, String modelDigest, Instant expiresAt) {
        boolean live(Instant now) {
            return expiresAt == null || expiresAt.isAfter(now);
        }
    }

    /** Changes to a bank applied over its base before the base is rebuilt. */
    static final int CHANGES_BEFORE_REBUILD = 4096;
    /** Banks smaller than this are compared hash by hash (an index's tables cost 4 MiB whatever its size). */
    static final int INDEXED_FROM = 4096;
    /** PDQ's own rule: a hash of quality under 50 (a flat or nearly blank image) matches too easily to be looked up. */
    public static final int MIN_QUALITY = 50;

    /** One bank's live entries, indexed: PDQ hashes, and exemplars by model digest. */
    private record Indexed(PdqPart pdq, Map<String, ExemplarMatrix> byModel, Instant nextExpiry) {
    }

    /** A bank's full build: its PDQ index (null for a small bank), where each id is in it, its exemplars, its next expiry. */
    private record Base(List<String> ids, List<PdqHash> hashes, PdqIndex index, Map<String, Integer> position,
                        Map<String, ExemplarMatrix> byModel, Instant nextExpiry) {
    }

    /** The PDQ hashes matched: the base's less its dead entries, and the changes since, compared one by one. */
    private record PdqPart(List<String> baseIds, PdqIndex base, BitSet dead, List<String> recentIds, List<PdqHash> recent) {
        /** The nearest live entry to each query within {@code maxDistance}: its id and distance, or null. */
        List<Map.Entry<String, Integer>> nearestEach(List<PdqHash> queries, int maxDistance) {
            PdqIndex.Match[] found = base == null ? new PdqIndex.Match[queries.size()] : base.nearestEach(queries, maxDistance, dead);
            List<Map.Entry<String, Integer>> nearest = new ArrayList<>(queries.size());
            for (int q = 0; q < queries.size(); q++) {
                PdqIndex.Match m = found[q];
                String id = m == null ? null : baseIds.get(m.entry());
                int best = m == null ? maxDistance + 1 : m.distance();
                for (int i = 0; i < recent.size(); i++) {
                    int d = recent.get(i).distance(queries.get(q));
                    if (d < best) {
                        best = d;
                        id = recentIds.get(i);
                    }
                }
                nearest.add(id == null ? null : Map.entry(id, best));
            }
            return nearest;
        }
    }

    private final int maxEntries;
    private final Map<String, Map<String, Entry>> entries = new HashMap<>();
    private final Set<String> changed = new HashSet<>();
    private final Map<String, Set<String>> touched = new HashMap<>();
    private final Map<String, Base> bases = new HashMap<>();
    private int count;
    private long refused;
    private volatile Map<String, Indexed> snapshot = Map.of();

    public Banks(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** Adds or replaces an entry; false (and counted) when the banks are full. */
    public synchronized boolean put(Entry entry) {
        Map<String, Entry> existing = entries.get(entry.bank());
        if ((existing == null || !existing.containsKey(entry.id())) && count >= maxEntries) {
            refused++;
            return false;
        }
        Map<String, Entry> bank = existing != null ? existing : entries.computeIfAbsent(entry.bank(), b -> new LinkedHashMap<>());
        if (bank.put(entry.id(), entry) == null) {
            count++;
        }
        touch(entry.bank(), entry.id());
        return true;
    }

    public synchronized void remove(String bank, String id) {
        Map<String, Entry> b = entries.get(bank);
        if (b != null && b.remove(id) != null) {
            count--;
            touch(bank, id);
            if (b.isEmpty()) {
                entries.remove(bank);
            }
        }
    }

    private void touch(String bank, String id) {
        changed.add(bank);
        Set<String> ids = touched.computeIfAbsent(bank, k -> new HashSet<>());
        if (ids.size() <= CHANGES_BEFORE_REBUILD) {
            ids.add(id);
        }
    }

    /** Whether {@code bank} holds entry {@code id}. */
    public synchronized boolean holds(String bank, String id) {
        Map<String, Entry> b = entries.get(bank);
        return b != null && b.containsKey(id);
    }

    /** Whether an add of {@code bank}/{@code id} would be held: a replacement always, a new entry while the banks have room. */
    public synchronized boolean hasRoomFor(String bank, String id) {
        return count < maxEntries || holds(bank, id);
    }

    /** Entries held, in all. */
    public synchronized int size() {
        return count;
    }

    /** Adds refused because the banks were full. */
    public synchronized long refused() {
        return refused;
    }

    /** The entries of {@code bank}, in the order they were added. */
    public synchronized List<Entry> entries(String bank) {
        return List.copyOf(entries.getOrDefault(bank, Map.of()).values());
    }

    /** Entries per bank. */
    public synchronized Map<String, Integer> counts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        entries.forEach((id, b) -> out.put(id, b.size()));
        return out;
    }

    /** Whether a change waits for {@link #publish}, or an entry of the snapshot has expired by {@code now}. */
    public synchronized boolean stale(Instant now) {
        return !changed.isEmpty() || snapshot.values().stream().anyMatch(i -> i.nextExpiry() != null && !i.nextExpiry().isAfter(now));
    }

    /**
     * Makes the changes so far (and the expiry of entries by {@code now}) what matching reads:
     * a bank's changes over its base, or a new base when they are many or an entry expired.
     */
    public synchronized void publish(Instant now) {
        Map<String, Indexed> next = new HashMap<>(snapshot);
        snapshot.forEach((id, i) -> {
            if (i.nextExpiry() != null && !i.nextExpiry().isAfter(now)) {
                changed.add(id);
            }
        });
        for (String bank : changed) {
            Map<String, Entry> b = entries.get(bank);
            if (b == null || b.isEmpty()) {
                next.remove(bank);
                bases.remove(bank);
                touched.remove(bank);
                continue;
            }
            Base base = bases.get(bank);
            Set<String> ids = touched.getOrDefault(bank, Set.of());
            Indexed shown = snapshot.get(bank);
            boolean expiry = shown != null && shown.nextExpiry() != null && !shown.nextExpiry().isAfter(now);
            if (base == null || base.index() == null || expiry || ids.size() > CHANGES_BEFORE_REBUILD) {
                base = build(b.values(), now);
                bases.put(bank, base);
                touched.remove(bank);
                PdqPart pdq = base.index() == null ? new PdqPart(List.of(), null, new BitSet(), base.ids(), base.hashes())
                        : new PdqPart(base.ids(), base.index(), new BitSet(), List.of(), List.of());
                next.put(bank, new Indexed(pdq, base.byModel(), base.nextExpiry()));
            } else {
                next.put(bank, withChanges(base, b, ids, now));
            }
        }
        changed.clear();
        snapshot = Map.copyOf(next);
    }

    /** The base with the entries {@code ids} as they stand now: the old ones dead, the live ones listed. */
    private static Indexed withChanges(Base base, Map<String, Entry> bank, Set<String> ids, Instant now) {
        BitSet dead = new BitSet();
        List<String> recentIds = new ArrayList<>();
        List<PdqHash> recent = new ArrayList<>();
        Instant nextExpiry = base.nextExpiry();
        boolean exemplars = !base.byModel().isEmpty();
        for (String id : ids) {
            Integer at = base.position().get(id);
            if (at != null) {
                dead.set(at);
            }
            Entry e = bank.get(id);
            if (e == null || !e.live(now)) {
                continue;
            }
            if (e.pdq() != null) {
                recentIds.add(id);
                recent.add(e.pdq());
            }
            exemplars |= e.vector() != null;
            if (e.expiresAt() != null && (nextExpiry == null || e.expiresAt().isBefore(nextExpiry))) {
                nextExpiry = e.expiresAt();
            }
        }
        Map<String, ExemplarMatrix> byModel = exemplars ? exemplars(bank.values(), now) : base.byModel();
        return new Indexed(new PdqPart(base.ids(), base.index(), dead, List.copyOf(recentIds), List.copyOf(recent)), byModel, nextExpiry);
    }

    private static Base build(Iterable<Entry> all, Instant now) {
        List<String> pdqIds = new ArrayList<>();
        List<PdqHash> hashes = new ArrayList<>();
        Map<String, Integer> position = new HashMap<>();
        Instant nextExpiry = null;
        for (Entry e : all) {
            if (!e.live(now)) {
                continue;
            }
            if (e.expiresAt() != null && (nextExpiry == null || e.expiresAt().isBefore(nextExpiry))) {
                nextExpiry = e.expiresAt();
            }
            if (e.pdq() != null) {
                position.put(e.id(), pdqIds.size());
                pdqIds.add(e.id());
                hashes.add(e.pdq());
            }
        }
        boolean indexed = hashes.size() >= INDEXED_FROM;
        return new Base(List.copyOf(pdqIds), indexed ? List.of() : List.copyOf(hashes), indexed ? new PdqIndex(hashes) : null,
                indexed ? position : Map.of(), exemplars(all, now), nextExpiry);
    }

    /** Exemplars are compared only with embeddings of the same model and length (a record of another length matches nothing). */
    private static String matrixKey(String modelDigest, int dimension) {
        return modelDigest + "#" + dimension;
    }

    /** The live exemplars, one matrix per model digest and dimension. */
    private static Map<String, ExemplarMatrix> exemplars(Iterable<Entry> all, Instant now) {
        Map<String, List<Entry>> vectors = new LinkedHashMap<>();
        for (Entry e : all) {
            if (e.live(now) && e.pdq() == null && e.vector() != null && e.modelDigest() != null) {
                vectors.computeIfAbsent(matrixKey(e.modelDigest(), e.vector().length), m -> new ArrayList<>()).add(e);
            }
        }
        Map<String, ExemplarMatrix> byModel = new HashMap<>();
        vectors.forEach((key, list) -> {
            int d = list.get(0).vector().length;
            float[] rows = new float[list.size() * d];
            for (int i = 0; i < list.size(); i++) {
                System.arraycopy(list.get(i).vector(), 0, rows, i * d, d);
            }
            byModel.put(key, new ExemplarMatrix(list.stream().map(Entry::id).toList(), rows, d));
        });
        return Map.copyOf(byModel);
    }

    /**
     * The upload's nearest entry in each bank {@code policy} declares, where one is within the
     * bank's distance or similarity: PDQ banks against the eight turns and flips of every view's
     * hash, embedding banks against every view's embedding of model {@code modelDigest}.
     */
    public List<BankHit> match(Policy policy, List<PdqHasher.Result> hashes, List<float[]> embeddings, String modelDigest) {
        if (policy.banks().isEmpty()) {
            return List.of();
        }
        // Views too flat to hash reliably are not looked up (kept in place: a hit names its view by position).
        return matchTurns(policy, hashes.stream().map(r -> r.quality() >= MIN_QUALITY ? r.dihedral() : Map.<PdqHasher.Dihedral, PdqHash>of()).toList(),
                embeddings, modelDigest);
    }

    /**
     * The matches of a stored upload, as a backtest replays them: its upright hash (null when it
     * was stored before hashes were) and its embedding of model {@code modelDigest}.
     */
    public List<BankHit> matchStored(Policy policy, PdqHash hash, float[] embedding, String modelDigest) {
        if (policy.banks().isEmpty()) {
            return List.of();
        }
        List<Map<PdqHasher.Dihedral, PdqHash>> upright = hash == null ? List.of() : List.of(Map.of(PdqHasher.Dihedral.ORIGINAL, hash));
        return matchTurns(policy, upright, List.of(embedding), modelDigest);
    }

    private List<BankHit> matchTurns(Policy policy, List<Map<PdqHasher.Dihedral, PdqHash>> hashes, List<float[]> embeddings, String modelDigest) {
        Map<String, Indexed> now = snapshot;
        List<BankHit> hits = new ArrayList<>();
        for (Policy.Bank bank : policy.banks()) {
            Indexed indexed = now.get(bank.id());
            if (indexed == null) {
                continue;
            }
            BankHit best = bank.kind() == Policy.BankKind.PDQ ? nearestHash(bank, indexed, hashes) : nearestExemplar(bank, indexed, embeddings, modelDigest);
            if (best != null) {
                hits.add(best);
            }
        }
        return hits;
    }

    private static BankHit nearestHash(Policy.Bank bank, Indexed indexed, List<Map<PdqHasher.Dihedral, PdqHash>> hashes) {
        List<PdqHash> queries = new ArrayList<>();
        List<String> turns = new ArrayList<>();
        List<Integer> views = new ArrayList<>();
        for (int v = 0; v < hashes.size(); v++) {
            for (Map.Entry<PdqHasher.Dihedral, PdqHash> turned : hashes.get(v).entrySet()) {
                queries.add(turned.getValue());
                turns.add(turned.getKey().name());
                views.add(v);
            }
        }
        List<Map.Entry<String, Integer>> found = indexed.pdq().nearestEach(queries, bank.maxDistance());
        BankHit best = null;
        for (int q = 0; q < queries.size(); q++) {
            Map.Entry<String, Integer> m = found.get(q);
            if (m != null) {
                BankHit hit = new BankHit(bank, m.getKey(), m.getValue(), Double.NaN, turns.get(q), views.get(q));
                if (best == null || hit.nearerThan(best)) {
                    best = hit;
                }
            }
        }
        return best;
    }

    private static BankHit nearestExemplar(Policy.Bank bank, Indexed indexed, List<float[]> embeddings, String modelDigest) {
        BankHit best = null;
        for (int v = 0; v < embeddings.size(); v++) {
            float[] q = embeddings.get(v);
            ExemplarMatrix ex = indexed.byModel().get(matrixKey(modelDigest, q.length));
            if (ex == null) {
                continue;
            }
            ExemplarMatrix.Nearest nearest = ex.nearest(q);
            if (nearest.row() >= 0 && nearest.similarity() >= bank.minSimilarity()) {
                BankHit hit = new BankHit(bank, ex.id(nearest.row()), -1, nearest.similarity(), null, v);
                if (best == null || hit.nearerThan(best)) {
                    best = hit;
                }
            }
        }
        return best;
    }
}
