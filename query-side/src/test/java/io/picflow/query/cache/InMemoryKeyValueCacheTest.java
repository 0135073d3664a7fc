package io.picflow.query.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The bounded in-memory cache: it stays within its bound, and never re-creates an entry it evicted. */
class InMemoryKeyValueCacheTest {

    @Test
    void it_stays_bounded_and_an_evicted_entry_is_neither_updated_nor_created_again() {
        InMemoryKeyValueCache cache = new InMemoryKeyValueCache(10, new SimpleMeterRegistry());
        List<KeyValueCache.Key<Long>> keys = IntStream.range(0, 200).mapToObj(i -> new KeyValueCache.Key<Long>("image:" + i, false)).toList();
        keys.forEach(key -> cache.create(key, 0L));

        assertThat(cache.size()).isLessThanOrEqualTo(10);
        List<KeyValueCache.Key<Long>> evicted = keys.stream().filter(key -> cache.get(key).isEmpty()).toList();
        assertThat(evicted).hasSizeGreaterThanOrEqualTo(190);
        for (KeyValueCache.Key<Long> key : evicted) {
            assertThat(cache.update(key, count -> count + 1)).isFalse();
            cache.create(key, 0L); // a second "creating" event would start it from zero, missing what came between
            assertThat(cache.get(key)).isEmpty();
        }
        KeyValueCache.Key<Long> present = keys.stream().filter(key -> cache.get(key).isPresent()).findFirst().orElseThrow();
        assertThat(cache.update(present, count -> count + 1)).isTrue();
        assertThat(cache.get(present)).contains(1L);
    }

    @Test
    void creating_an_existing_entry_keeps_it_a_forgotten_entry_stays_away_and_clearing_forgets_that_too() {
        InMemoryKeyValueCache cache = new InMemoryKeyValueCache(10, new SimpleMeterRegistry());
        KeyValueCache.Key<String> key = new KeyValueCache.Key<>("user:ann", true);
        cache.create(key, "first");
        cache.create(key, "second");
        assertThat(cache.get(key)).contains("first");

        cache.forget(key);
        cache.create(key, "third");
        assertThat(cache.get(key)).isEmpty();

        cache.clear();
        cache.create(key, "after the rebuild");
        assertThat(cache.get(key)).contains("after the rebuild");
    }

    @Test
    void evicted_keys_never_forget_a_key_and_rarely_claim_one_they_never_saw() {
        EvictedKeys evicted = new EvictedKeys();
        IntStream.range(0, 100_000).forEach(i -> evicted.add("download:" + i));
        assertThat(IntStream.range(0, 100_000).allMatch(i -> evicted.mayContain("download:" + i))).isTrue();
        long falsePositives = IntStream.range(0, 100_000).filter(i -> evicted.mayContain("image:" + i)).count();
        assertThat(falsePositives).isLessThan(100); // 8 Mbit and 4 hashes for 100,000 keys: about 0.002 %
    }
}
