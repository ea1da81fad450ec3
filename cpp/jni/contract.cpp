#include "jni/contract.h"

#include "bus/output_sink.h"
#include "bus/upcall.h"
#include "common/error.h"
#include "run/exit_handler.h"
#include "run/exit_info.h"
#include "virtio/block/block_device.h"
#include "virtio/console/console_device.h"
#include "virtio/queue/virtq.h"
#include "virtio/rng/rng_device.h"

namespace vmm4j::contract {

namespace {
constexpr int64_t of(ExitKind kind) { return static_cast<int64_t>(kind); }
constexpr int64_t of(ErrorKind kind) { return static_cast<int64_t>(kind); }
constexpr int64_t of(RunMode mode) { return static_cast<int64_t>(mode); }

using virtio::BlockDevice;
using virtio::ConsoleDevice;
using virtio::RngDevice;

// Names are "group.name"; io.vmm4j.jni.NativeContract and NativeContractTest use them.
constexpr Constant kConstants[] = {
    {"exit_kind.interrupted", of(ExitKind::Interrupted)},
    {"exit_kind.halt", of(ExitKind::Halt)},
    {"exit_kind.io_in", of(ExitKind::IoIn)},
    {"exit_kind.io_out", of(ExitKind::IoOut)},
    {"exit_kind.mmio_read", of(ExitKind::MmioRead)},
    {"exit_kind.mmio_write", of(ExitKind::MmioWrite)},
    {"exit_kind.shutdown", of(ExitKind::Shutdown)},
    {"exit_kind.system_reset", of(ExitKind::SystemReset)},
    {"exit_kind.internal_error", of(ExitKind::InternalError)},
    {"exit_kind.fail_entry", of(ExitKind::FailEntry)},
    {"exit_kind.device_error", of(ExitKind::DeviceError)},
    {"exit_kind.stopped", of(ExitKind::Stopped)},
    {"exit_kind.system_event_other", of(ExitKind::SystemEventOther)},
    {"exit_kind.unknown", of(ExitKind::Unknown)},

    {"exit_info.kind", ExitInfo::kKind},
    {"exit_info.address", ExitInfo::kAddress},
    {"exit_info.size", ExitInfo::kSize},
    {"exit_info.data", ExitInfo::kData},
    {"exit_info.count", ExitInfo::kCount},
    {"exit_info.reason", ExitInfo::kReason},
    {"exit_info.cpu", ExitInfo::kCpu},
    {"exit_info.device_key", ExitInfo::kDeviceKey},
    {"exit_info.upcall_value", ExitInfo::kUpcallValue},
    {"exit_info.data_count", ExitInfo::kDataCount},
    {"exit_info.extra_data", ExitInfo::kExtraData},
    {"exit_info.extra_data_slots", ExitInfo::kExtraDataSlots},
    {"exit_info.slots", ExitInfo::kSlots},

    {"error_kind.none", of(ErrorKind::None)},
    {"error_kind.system", of(ErrorKind::System)},
    {"error_kind.invalid_argument", of(ErrorKind::InvalidArgument)},
    {"error_kind.out_of_bounds", of(ErrorKind::OutOfBounds)},
    {"error_kind.conflict", of(ErrorKind::Conflict)},
    {"error_kind.state", of(ErrorKind::State)},
    {"error_kind.internal", of(ErrorKind::Internal)},

    {"run_mode.manual", of(RunMode::Manual)},
    {"run_mode.managed", of(RunMode::Managed)},
    {"space.pio", kSpacePio},
    {"space.mmio", kSpaceMmio},
    {"device_key.unclaimed_pio", kUnclaimedPioKey},
    {"device_key.unclaimed_mmio", kUnclaimedMmioKey},
    {"sink.chunk_bytes", static_cast<int64_t>(OutputSink::kChunkBytes)},

    {"slots.regs", kRegsSlots},
    {"slots.sregs", kSregsSlots},
    {"slots.segment", kSegmentSlots},
    {"slots.segment_count", kSegmentCount},
    {"slots.cpuid_entry", kCpuidEntrySlots},
    {"slots.virtio_queue", kVirtioQueueSlots},
    {"slots.lapic_bytes", kLapicSize},

    {"segment.type_shift", kSegmentTypeShift},
    {"segment.present_bit", kSegmentPresentBit},
    {"segment.dpl_shift", kSegmentDplShift},
    {"segment.db_bit", kSegmentDbBit},
    {"segment.system_bit", kSegmentSystemBit},
    {"segment.long_bit", kSegmentLongBit},
    {"segment.granularity_bit", kSegmentGranularityBit},
    {"segment.available_bit", kSegmentAvailableBit},
    {"segment.unusable_bit", kSegmentUnusableBit},

    {"virtio.feature.indirect_desc", static_cast<int64_t>(virtio::kFeatureIndirectDesc)},
    {"virtio.feature.event_idx", static_cast<int64_t>(virtio::kFeatureEventIdx)},
    {"virtio.feature.version_1", static_cast<int64_t>(virtio::kFeatureVersion1)},
    {"virtio.interrupt.used_buffer", virtio::kInterruptUsedBuffer},
    {"virtio.interrupt.config_change", virtio::kInterruptConfigChange},
    {"virtio.block.device_id", BlockDevice::kDeviceId},
    {"virtio.block.feature.seg_max", static_cast<int64_t>(BlockDevice::kFeatureSegMax)},
    {"virtio.block.feature.read_only", static_cast<int64_t>(BlockDevice::kFeatureReadOnly)},
    {"virtio.block.feature.flush", static_cast<int64_t>(BlockDevice::kFeatureFlush)},
    {"virtio.block.type.in", BlockDevice::kIn},
    {"virtio.block.type.out", BlockDevice::kOut},
    {"virtio.block.type.flush", BlockDevice::kFlush},
    {"virtio.block.type.get_id", BlockDevice::kGetId},
    {"virtio.block.status.ok", BlockDevice::kOk},
    {"virtio.block.status.io_error", BlockDevice::kIoError},
    {"virtio.block.status.unsupported", BlockDevice::kUnsupported},
    {"virtio.console.device_id", ConsoleDevice::kDeviceId},
    {"virtio.console.receive_queue", ConsoleDevice::kReceiveQueue},
    {"virtio.console.transmit_queue", ConsoleDevice::kTransmitQueue},
    {"virtio.rng.device_id", RngDevice::kDeviceId},
};
}  // namespace

const Constant* constants() noexcept { return kConstants; }

int32_t constant_count() noexcept { return static_cast<int32_t>(sizeof kConstants / sizeof kConstants[0]); }

}  // namespace vmm4j::contract
