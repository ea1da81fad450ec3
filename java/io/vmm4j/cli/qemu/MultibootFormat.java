package io.vmm4j.cli.qemu;

import io.vmm4j.arch.x86.E820Map;
import io.vmm4j.arch.x86.multiboot.MultibootLoader;
import io.vmm4j.arch.x86.multiboot.MultibootModule;
import io.vmm4j.common.FileErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Multiboot v1, as QEMU's {@code -kernel} loads it: the command line is the kernel's path, a space
 * and {@code -append}; each comma-separated {@code -initrd} item is a module, loaded from the item's
 * first word, with the whole item as its string.
 */
final class MultibootFormat implements KernelFormat {
    @Override
    public String name() {
        return "multiboot";
    }

    @Override
    public boolean recognizes(byte[] kernel) {
        return MultibootLoader.isMultiboot(kernel);
    }

    @Override
    public Prepared prepare(E820Map map, Request request) throws IOException {
        List<MultibootModule> modules = new ArrayList<>();
        if (request.initrd() != null) {
            for (String item : QemuOptionParser.moduleItems(request.initrd())) {
                String path = item.split(" ", 2)[0];
                if (path.isEmpty()) throw new IOException("-initrd '" + request.initrd() + "' has an empty module");
                byte[] data;
                try {
                    data = Files.readAllBytes(Path.of(path));
                } catch (IOException e) {
                    throw new IOException(
                            "could not load multiboot module '" + path + "' (-initrd): " + FileErrors.strerror(e), e);
                }
                modules.add(new MultibootModule(item, data));
            }
        }
        String commandLine =
                request.append().isEmpty() ? request.path().toString() : request.path() + " " + request.append();
        MultibootLoader.Prepared prepared =
                MultibootLoader.prepare(map, request.path().toString(), request.kernel(), commandLine, modules);
        return vm -> {
            MultibootLoader.Loaded loaded = prepared.load(vm.memory());
            return vcpu -> MultibootLoader.enter(vcpu, loaded);
        };
    }
}
