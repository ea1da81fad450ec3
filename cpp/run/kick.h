#pragma once

#include <pthread.h>

namespace vmm4j {

// A real-time signal with a no-op handler: delivering it to a thread inside KVM_RUN makes
// KVM_RUN return EINTR. Installed once per process; the JVM does not use real-time signals.
int kick_signal() noexcept;
void install_kick_handler();
// Makes sure the calling thread does not block the kick signal.
void unblock_kick_signal() noexcept;

}  // namespace vmm4j
