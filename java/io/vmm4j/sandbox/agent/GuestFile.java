package io.vmm4j.sandbox.agent;

/** A file in the guest, as STAT and LIST report it. {@code name} is the entry's name (LIST) or the path (STAT). */
public record GuestFile(String name, Type type, int mode, long size) {
    public enum Type {
        FILE,
        DIRECTORY,
        SYMLINK,
        OTHER
    }
}
