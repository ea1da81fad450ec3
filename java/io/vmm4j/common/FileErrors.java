package io.vmm4j.common;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** How a failed file operation reads in an error line. */
public final class FileErrors {
    private FileErrors() {}

    /**
     * The C library's text for what a Java file operation reports ("No such file or directory"), as QEMU and the
     * shell print it: Java's own exception names mean nothing to a person, and harnesses grep for these texts.
     */
    public static String strerror(IOException e) {
        if (e instanceof NoSuchFileException) return "No such file or directory";
        if (e instanceof AccessDeniedException) return "Permission denied";
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
