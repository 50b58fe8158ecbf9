package io.kfrelay.util;

import java.util.ArrayList;
import java.util.List;

/**
 * A list whose elements know their own position in it (through {@link Index}), so removing one is O(1): the last
 * element takes its place. For the membership lists of the shard consumer (a room's members and streams, a
 * participant's subscriptions, a shard's caches), where the order carries no meaning and a LEAVE must not search.
 * Single-threaded.
 */
public final class IndexedList<T> implements Iterable<T> {
    /** Where an element keeps its position in the list (-1 when in none). */
    public interface Index<T> {
        int get(T element);

        void set(T element, int index);
    }

    private final List<T> items = new ArrayList<>();
    private final Index<T> index;

    public IndexedList(Index<T> index) {
        this.index = index;
    }

    public void add(T element) {
        index.set(element, items.size());
        items.add(element);
    }

    /** Removes {@code element} if it is in this list; false otherwise. */
    public boolean remove(T element) {
        int i = index.get(element);
        if (i < 0 || i >= items.size() || items.get(i) != element) {
            return false;
        }
        T last = items.removeLast();
        if (last != element) {
            items.set(i, last);
            index.set(last, i);
        }
        index.set(element, -1);
        return true;
    }

    public boolean contains(T element) {
        int i = index.get(element);
        return i >= 0 && i < items.size() && items.get(i) == element;
    }

    public T get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    public boolean isEmpty() {
        return items.isEmpty();
    }

    /** Iterates in the list's (meaningless) order; the list must not change meanwhile. */
    @Override
    public java.util.Iterator<T> iterator() {
        return java.util.Collections.unmodifiableList(items).iterator();
    }

    /** Empties the list, telling every element it is in none. */
    public void clear() {
        for (T element : items) {
            index.set(element, -1);
        }
        items.clear();
    }
}
