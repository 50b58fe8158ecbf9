package io.kfrelay.util;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Elements that know their place: removal by swapping in the last one, indices kept right. */
class IndexedListTest {
    private static final class Item {
        int index = -1;
    }

    private static final IndexedList.Index<Item> INDEX = new IndexedList.Index<>() {
        @Override
        public int get(Item item) {
            return item.index;
        }

        @Override
        public void set(Item item, int index) {
            item.index = index;
        }
    };

    @Test
    @DisplayName("removing any element keeps every other element's index pointing at itself")
    void removeKeepsIndices() {
        IndexedList<Item> list = new IndexedList<>(INDEX);
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Item it = new Item();
            list.add(it);
            items.add(it);
        }
        assertTrue(list.remove(items.get(3)));
        assertTrue(list.remove(items.get(0)));
        assertTrue(list.remove(items.get(9)));
        assertFalse(list.remove(items.get(3)), "already gone");
        assertEquals(7, list.size());
        assertEquals(-1, items.get(3).index);
        for (int i = 0; i < list.size(); i++) {
            assertEquals(i, list.get(i).index);
        }
        assertFalse(list.contains(items.get(0)));
        assertTrue(list.contains(items.get(5)));
        list.clear();
        assertTrue(list.isEmpty());
        assertEquals(-1, items.get(5).index);
    }

    @Test
    @DisplayName("an element of another list is not removed from this one")
    void foreignElementIgnored() {
        IndexedList<Item> a = new IndexedList<>(INDEX);
        IndexedList<Item> b = new IndexedList<>(INDEX);
        Item inA = new Item();
        a.add(inA);
        Item other = new Item();
        b.add(other);
        b.add(new Item());
        assertFalse(a.remove(b.get(1)));
        assertEquals(1, a.size());
        assertEquals(2, b.size());
    }
}
