package io.kfrelay.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec: the bundled files are indexed once, from a class-path directory or a jar, and found by name only. */
class StaticFilesTest {
    @TempDir
    Path tmp;

    private static final ClassLoader TESTS = StaticFilesTest.class.getClassLoader();

    @Test
    void everyFileOfAKnownTypeUnderTheRootIsIndexedAndNothingElse() {
        StaticFiles files = StaticFiles.load("web-test", TESTS);
        assertEquals(List.of("config.json", "css/app.css", "img/logo.svg", "index.html", "js/app.js", "room.html"),
                files.names(), "notes.xyz has no known type: left out");
        assertEquals("text/html; charset=utf-8", files.find("").contentType());
        assertEquals("text/javascript; charset=utf-8", files.find("js/app.js").contentType());
        assertEquals("text/css; charset=utf-8", files.find("css/app.css").contentType());
        assertEquals("image/svg+xml", files.find("img/logo.svg").contentType());
        assertEquals("application/json", files.find("config.json").contentType());
    }

    @Test
    void theRootIsIndexAndANameWithoutExtensionIsItsPage() {
        StaticFiles files = StaticFiles.load("web-test", TESTS);
        assertEquals("index.html", files.find("").name());
        assertEquals("room.html", files.find("room").name());
        assertEquals("room.html", files.at("/room?room=stage").name());
        assertNull(files.find("js/app"), "only pages go without their extension");
        assertNull(files.find("lobby"));
        assertNull(files.at("/../web-test-secret.txt"));
        assertNull(files.find("notes.xyz"));
    }

    @Test
    void anEtagChangesExactlyWithTheBytes() {
        StaticFiles files = StaticFiles.load("web-test", TESTS);
        StaticFile index = files.find("index.html");
        assertEquals(index.etag(), StaticFiles.load("web-test", TESTS).find("index.html").etag());
        assertNotEquals(index.etag(), files.find("room.html").etag());
        assertTrue(index.etag().matches("\"[0-9a-f]{32}\""), index.etag());
    }

    @Test
    void aMissingRootIsAnEmptyIndex() {
        assertTrue(StaticFiles.load("no-such-root", TESTS).isEmpty());
    }

    @Test
    void filesAreReadFromAJarWithOrWithoutDirectoryEntries() throws IOException {
        for (boolean directoryEntries : new boolean[] {true, false}) {
            Path jar = tmp.resolve("app-" + directoryEntries + ".jar");
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
                if (directoryEntries) {
                    out.putNextEntry(new JarEntry("site/"));
                    out.putNextEntry(new JarEntry("site/js/"));
                }
                add(out, "site/index.html", "<!doctype html><title>jar</title>");
                add(out, "site/js/main.js", "export {};");
                add(out, "other/secret.txt", "not part of the site");
            }
            try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
                StaticFiles files = StaticFiles.load("site", loader);
                if (directoryEntries) {
                    assertEquals(List.of("index.html", "js/main.js"), files.names());
                    try (InputStream in = new io.netty.buffer.ByteBufInputStream(files.find("").content(), true)) {
                        assertEquals("<!doctype html><title>jar</title>", new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    }
                } else {
                    // Without directory entries the folder cannot be found through the loader; the relay then looks
                    // in its own jar, which in this test is a directory of classes: nothing, and no error.
                    assertNotNull(files);
                }
            }
        }
    }

    private static void add(JarOutputStream out, String name, String text) throws IOException {
        out.putNextEntry(new JarEntry(name));
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
    }
}
