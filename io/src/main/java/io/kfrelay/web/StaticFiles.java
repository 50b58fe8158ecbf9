package io.kfrelay.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * An immutable index of the files under one class-path folder, read once into memory at start-up (from the jar, or
 * from a directory of classes in development and tests). Requests are answered from here and nowhere else: what
 * was not bundled, or is of a type not in {@link MediaTypes}, does not exist.
 *
 * <p>Names map to files the way a page's links expect: the root is {@code index.html}, and a name without an
 * extension is that name's {@code .html} ({@code /room} is {@code room.html}).
 */
public final class StaticFiles {
    private static final System.Logger LOG = System.getLogger(StaticFiles.class.getName());
    /** The whole web app is a few hundred KiB; a file past this is a packaging mistake, not something to serve. */
    static final long MAX_FILE_BYTES = 8L << 20;

    private final String root;
    private final Map<String, StaticFile> files;

    private StaticFiles(String root, Map<String, StaticFile> files) {
        this.root = root;
        this.files = Map.copyOf(files);
    }

    /** No files at all. */
    public static StaticFiles empty(String root) {
        return new StaticFiles(root, Map.of());
    }

    /**
     * Every file of a known type under {@code root} (a class-path folder such as {@code web}) as {@code loader} sees
     * it; empty (and a warning) when the folder is not there.
     *
     * @throws UncheckedIOException if the folder exists but cannot be read
     */
    public static StaticFiles load(String root, ClassLoader loader) {
        Map<String, StaticFile> found = new TreeMap<>();
        try {
            URL folder = loader.getResource(root + "/");
            if (folder != null && folder.getProtocol().equals("file")) {
                readDirectory(Path.of(folder.toURI()), found);
            } else if (folder != null && folder.getProtocol().equals("jar")) {
                JarURLConnection connection = (JarURLConnection) folder.openConnection();
                connection.setUseCaches(false); // a JarFile of our own to close, not the one the cache shares
                try (JarFile jar = connection.getJarFile()) {
                    readJar(jar, root, found);
                }
            } else if (folder == null) {
                // A jar built without directory entries has the files but no folder to find: look in our own jar.
                Path ownJar = ownJar();
                if (ownJar != null) {
                    try (JarFile jar = new JarFile(ownJar.toFile())) {
                        readJar(jar, root, found);
                    }
                }
            } else {
                throw new IOException("cannot list " + folder + " (" + folder.getProtocol() + ")");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled files under " + root + "/: " + e.getMessage(), e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (found.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "no files bundled under " + root + "/: its pages answer 404");
        }
        return new StaticFiles(root, found);
    }

    private static void readDirectory(Path dir, Map<String, StaticFile> found) throws IOException {
        List<Path> regular;
        try (Stream<Path> walk = Files.walk(dir)) {
            regular = walk.filter(Files::isRegularFile).toList();
        }
        for (Path p : regular) {
            String name = dir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
            try (InputStream in = Files.newInputStream(p)) {
                add(name, in, Files.size(p), found);
            }
        }
    }

    private static void readJar(JarFile jar, String root, Map<String, StaticFile> found) throws IOException {
        String prefix = root + "/";
        for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
            JarEntry entry = e.nextElement();
            if (!entry.isDirectory() && entry.getName().startsWith(prefix) && entry.getName().length() > prefix.length()) {
                try (InputStream in = jar.getInputStream(entry)) {
                    add(entry.getName().substring(prefix.length()), in, entry.getSize(), found);
                }
            }
        }
    }

    private static void add(String name, InputStream in, long size, Map<String, StaticFile> found) throws IOException {
        String type = MediaTypes.of(name);
        if (type == null) {
            LOG.log(System.Logger.Level.DEBUG, () -> "not serving " + name + ": no known type for its extension");
            return;
        }
        if (size > MAX_FILE_BYTES) {
            throw new IOException(name + " is " + size + " bytes, more than the " + MAX_FILE_BYTES + " a bundled file may be");
        }
        found.put(name, new StaticFile(name, in.readNBytes((int) MAX_FILE_BYTES + 1), type));
    }

    private static Path ownJar() throws URISyntaxException {
        CodeSource source = StaticFiles.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null || !source.getLocation().getProtocol().equals("file")) {
            return null;
        }
        Path p = Path.of(source.getLocation().toURI());
        return Files.isRegularFile(p) ? p : null;
    }

    /**
     * The file a request's path names ({@link RequestPath#relative}: no leading '/'), or null: {@code ""} is
     * {@code index.html}, a name without an extension its {@code .html}.
     */
    public StaticFile find(String name) {
        if (name == null) {
            return null;
        }
        if (name.isEmpty()) {
            return files.get("index.html");
        }
        StaticFile exact = files.get(name);
        if (exact != null) {
            return exact;
        }
        int slash = name.lastIndexOf('/');
        return name.indexOf('.', slash + 1) < 0 ? files.get(name + ".html") : null;
    }

    /** The file at a request target ({@code /room?x=1}), or null: the target's checks and {@link #find} in one. */
    public StaticFile at(String requestTarget) {
        return find(RequestPath.relative(requestTarget));
    }

    /** The bundled names, sorted. */
    public List<String> names() {
        return List.copyOf(new TreeMap<>(files).keySet());
    }

    public boolean isEmpty() {
        return files.isEmpty();
    }

    /** The class-path folder the files came from. */
    public String root() {
        return root;
    }
}
