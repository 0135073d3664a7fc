package io.picflow.query.images;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * An image of the shared library as the read models keep it (PostgreSQL and the cache). Each source
 * keeps who requested it, because what a caller may see of the URLs depends on the caller
 * ({@link ImageView#shownTo}).
 *
 * @param sources distinct, ordered by URL then requester (in Java, so that both read models order alike)
 */
public record StoredImage(String imageId, String format, String contentType, int width, int height, long bytes, String sha256,
        List<Source> sources, Instant storedAt, long favoriteCount) {

    /** A URL the bytes were stored from, and the user whose download it was. */
    public record Source(String url, String requestedBy) {
        private static final Comparator<String> NULLS_FIRST = Comparator.nullsFirst(Comparator.naturalOrder());
        static final Comparator<Source> ORDER = Comparator.comparing(Source::url, NULLS_FIRST)
                .thenComparing(Source::requestedBy, NULLS_FIRST);
    }

    public StoredImage {
        TreeSet<Source> distinct = new TreeSet<>(Source.ORDER);
        distinct.addAll(sources);
        sources = List.copyOf(distinct);
    }

    /** The same image with how many users favorite it (from the favorites read model). */
    public StoredImage withFavoriteCount(long count) {
        return new StoredImage(imageId, format, contentType, width, height, bytes, sha256, sources, storedAt, count);
    }

    /** The same image without the sources of {@code userId} (erased); the image itself stays in the library. */
    public StoredImage withoutSourcesOf(String userId) {
        return new StoredImage(imageId, format, contentType, width, height, bytes, sha256,
                sources.stream().filter(source -> !userId.equals(source.requestedBy())).toList(), storedAt, favoriteCount);
    }

    /**
     * The same image, also stored by another download: one more source (unless known), and stored when it
     * first was, whatever order the downloads' events are applied in.
     */
    public StoredImage withSource(Source source, Instant at) {
        List<Source> more = new ArrayList<>(sources);
        more.add(source);
        return new StoredImage(imageId, format, contentType, width, height, bytes, sha256, more,
                at.isBefore(storedAt) ? at : storedAt, favoriteCount);
    }
}
