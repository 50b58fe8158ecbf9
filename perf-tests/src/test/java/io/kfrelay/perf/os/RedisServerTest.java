package io.kfrelay.perf.os;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RedisServerTest {

    @Test
    void redisServerIsTheFirstExecutableOnThePath(@TempDir Path tmp) throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path notExecutable = Files.createDirectories(tmp.resolve("plain"));
        Files.writeString(notExecutable.resolve("redis-server"), "");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path server = bin.resolve("redis-server");
        Files.writeString(server, "#!/bin/sh\n");
        Files.setPosixFilePermissions(server, PosixFilePermissions.fromString("rwxr-xr-x"));
        String sep = java.io.File.pathSeparator;
        assertEquals(Optional.of(server), RedisServer.find(empty + sep + notExecutable + sep + sep + bin));
        assertEquals(Optional.empty(), RedisServer.find(empty.toString()));
        assertEquals(Optional.empty(), RedisServer.find(null));
    }
}
