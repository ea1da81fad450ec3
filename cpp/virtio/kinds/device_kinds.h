#pragma once

#include <string>

#include "virtio/device_arguments.h"

namespace vmm4j::virtio {

using DeviceFactory = BuiltDevice (*)(const DeviceContext& context, const DeviceArguments& arguments);

// The factory of the device kind Java names (VirtioDeviceKind.nativeKind()); throws an
// InvalidArgument CoreError for a kind no device registers.
DeviceFactory device_factory(const std::string& kind);

}  // namespace vmm4j::virtio
