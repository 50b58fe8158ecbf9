package io.kfrelay.bench;

/**
 * The JDK 25 flag line (../shared/STACK.md) as compile-time constants, so every benchmark's
 * {@code @Fork(jvmArgsAppend = ...)} carries it even when the jar is run by hand.
 */
final class JvmFlags {
    private JvmFlags() {
    }

    static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    static final String UNSAFE = "--sun-misc-unsafe-memory-access=allow";
    static final String MISC = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    static final String REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    static final String NIO = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    static final String REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
}
