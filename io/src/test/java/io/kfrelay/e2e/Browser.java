package io.kfrelay.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Debian's headless Chromium ({@code /usr/bin/chromium}, installed by {@code .ci/install-test-deps}) driven by
 * Playwright for Java, with fake camera and microphone. Playwright never downloads a browser of its own here
 * ({@code PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD}); a machine without Chromium fails the test with how to install it.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    /** Flags that work headless as root (STACK.md), plus fake media devices that need no permission prompt. */
    private static final List<String> FLAGS = List.of("--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            "--autoplay-policy=no-user-gesture-required");

    private final Playwright playwright;
    private final com.microsoft.playwright.Browser browser;
    private final List<String> console = new ArrayList<>();

    private Browser(Playwright playwright, com.microsoft.playwright.Browser browser) {
        this.playwright = playwright;
        this.browser = browser;
    }

    /** A headless Chromium; {@code extraFlags} e.g. to treat a non-loopback http origin as secure. */
    static Browser launch(String... extraFlags) {
        if (!Files.isExecutable(CHROMIUM)) {
            throw new AssertionError(CHROMIUM + " is missing: run .ci/install-test-deps as root (apt-get install chromium)"
                    + "; ./kfrelay test does it first");
        }
        Playwright playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        try {
            List<String> flags = new ArrayList<>(FLAGS);
            flags.addAll(List.of(extraFlags));
            com.microsoft.playwright.Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                    .setExecutablePath(CHROMIUM).setHeadless(true).setArgs(flags));
            return new Browser(playwright, browser);
        } catch (RuntimeException e) {
            playwright.close();
            throw e;
        }
    }

    /** A new page (its own context: own storage, own connections) whose console lines are kept for reports. */
    Page newPage() {
        return newPage(false);
    }

    /** The same; {@code trustAnyCertificate} for a relay with a self-signed certificate (https, wss). */
    Page newPage(boolean trustAnyCertificate) {
        BrowserContext context = browser.newContext(new com.microsoft.playwright.Browser.NewContextOptions()
                .setViewportSize(1280, 800).setIgnoreHTTPSErrors(trustAnyCertificate));
        Page page = context.newPage();
        page.onConsoleMessage(m -> {
            synchronized (console) {
                console.add(m.type() + ": " + m.text());
            }
        });
        page.onPageError(e -> {
            synchronized (console) {
                console.add("pageerror: " + e);
            }
        });
        return page;
    }

    /** Every console line and page error of every page so far. */
    List<String> console() {
        synchronized (console) {
            return List.copyOf(console);
        }
    }

    String version() {
        return browser.version();
    }

    @Override
    public void close() {
        try {
            browser.close();
        } finally {
            playwright.close();
        }
    }
}
