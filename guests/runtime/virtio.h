/*
 * A minimal virtio-mmio (version 2) driver core for test guests: register offsets, split-queue
 * layout with 8-entry queues, feature negotiation, queue set-up and request submission. Used by
 * virtio-smoke (polled) and virtio-irq (interrupt-driven). 32-bit guests, paging off.
 */
#ifndef VMM4J_GUEST_VIRTIO_H
#define VMM4J_GUEST_VIRTIO_H

#include <stdint.h>

#include "io.h"

#define VIRTIO_MAGIC 0x74726976u /* "virt" */

#define R_MAGIC               0x000
#define R_VERSION             0x004
#define R_DEVICE_ID           0x008
#define R_DEVICE_FEATURES     0x010
#define R_DEVICE_FEATURES_SEL 0x014
#define R_DRIVER_FEATURES     0x020
#define R_DRIVER_FEATURES_SEL 0x024
#define R_QUEUE_SEL           0x030
#define R_QUEUE_NUM_MAX       0x034
#define R_QUEUE_NUM           0x038
#define R_QUEUE_READY         0x044
#define R_QUEUE_NOTIFY        0x050
#define R_INTERRUPT_STATUS    0x060
#define R_INTERRUPT_ACK       0x064
#define R_STATUS              0x070
#define R_QUEUE_DESC_LOW      0x080
#define R_QUEUE_DESC_HIGH     0x084
#define R_QUEUE_DRIVER_LOW    0x090
#define R_QUEUE_DRIVER_HIGH   0x094
#define R_QUEUE_DEVICE_LOW    0x0a0
#define R_QUEUE_DEVICE_HIGH   0x0a4
#define R_CONFIG              0x100

#define QSIZE   8
#define F_NEXT  1
#define F_WRITE 2

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
struct avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[QSIZE];
    uint16_t used_event;
};
struct used_elem {
    uint32_t id;
    uint32_t len;
};
struct used {
    uint16_t flags;
    uint16_t idx;
    struct used_elem ring[QSIZE];
    uint16_t avail_event;
};

struct vq {
    uint32_t base;
    uint32_t index;
    volatile struct desc* desc;
    volatile struct avail* avail;
    volatile struct used* used;
    uint16_t next_avail;
    uint16_t last_used;
};

#define barrier() __asm__ volatile("" ::: "memory")

static inline uint32_t rd(uint32_t base, uint32_t reg) { return mmio_read32(base + reg); }
static inline void wr(uint32_t base, uint32_t reg, uint32_t v) { mmio_write32(base + reg, v); }

void zero(volatile uint8_t* p, uint32_t n);

/* Reset, then negotiate VERSION_1 plus `wanted` (low word) of what is offered. 0 on success. */
int virtio_negotiate(uint32_t base, uint32_t wanted);

/* Queue `index` with its rings in the 8 KiB at `ring` (zeroed here). 0 on success. */
int virtio_setup_queue(struct vq* q, uint32_t base, uint32_t ring, uint32_t index);

void virtq_set_desc(struct vq* q, uint16_t i, uint32_t addr, uint32_t len, uint16_t flags, uint16_t next);

/* Publishes chain `head` in the avail ring and writes QueueNotify. */
void virtq_publish(struct vq* q, uint16_t head);

/* The next used element, if the device has returned one: 1 and its id/length, else 0. */
int virtq_take_used(struct vq* q, uint32_t* id, uint32_t* len);

/* How long virtq_submit_poll waits: the device thread answers in microseconds on hardware and in
 * milliseconds under an emulated CPU. */
#define VIRTQ_POLL_TIMEOUT_MS 10000

/* virtq_publish, then polls for the completion (clock.h). Returns the used length, or -1 after
 * VIRTQ_POLL_TIMEOUT_MS, with a line on COM1 that names the queue. */
int32_t virtq_submit_poll(struct vq* q, uint16_t head);

#endif
