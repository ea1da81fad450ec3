#pragma once

namespace vmm4j {

// One interrupt input of the in-kernel irqchip, driven as a level. Devices call set_level
// on every change of their interrupt condition; an edge-triggered pin sees the rising edge.
class IrqLine {
public:
    virtual ~IrqLine() = default;
    virtual void set_level(bool asserted) = 0;
};

}  // namespace vmm4j
