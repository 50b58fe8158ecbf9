package io.kfrelay.bench;

import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Run settings every kfrelay benchmark shares (JMH's annotations are inherited): one fork with the JDK 25
 * flag line (../shared/STACK.md), 3 x 1 s warm-up, 5 x 1 s measurement. Override on the command line
 * (-f, -wi, -i, -w, -r) for longer or quicker runs.
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED"})
public abstract class BenchmarkDefaults {
}
