/*
 * virtio-smoke (32-bit): a minimal virtio-mmio (version 2) driver. It probes the virtio windows at
 * 0xC0000000 + n * 0x1000 (n < 8) and exercises each device it finds, reporting on COM1:
 *   virtio-blk (id 2):     writes a pattern to sector 5, flushes, reads it back, compares, GET_ID
 *   virtio-rng (id 4):     asks for 32 bytes
 *   virtio-console (id 3): sends a line, receives what the host queued, echoes it back
 * then prints "virtio-smoke: done" and halts. Queues have 8 entries and are polled (IF stays 0).
 */
#include "io.h"
#include "uart.h"

#define SLOT(n) (0xC0000000u + (n) * 0x1000u)
#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DEVICE_FEATURES 0x010
#define R_DEVICE_FEATURES_SEL 0x014
#define R_DRIVER_FEATURES 0x020
#define R_DRIVER_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INTERRUPT_STATUS 0x060
#define R_INTERRUPT_ACK 0x064
#define R_STATUS 0x070
#define R_QUEUE_DESC_LOW 0x080
#define R_QUEUE_DESC_HIGH 0x084
#define R_QUEUE_DRIVER_LOW 0x090
#define R_QUEUE_DRIVER_HIGH 0x094
#define R_QUEUE_DEVICE_LOW 0x0a0
#define R_QUEUE_DEVICE_HIGH 0x0a4
#define R_CONFIG 0x100

#define QSIZE 8
#define F_NEXT 1
#define F_WRITE 2

struct desc { uint64_t addr; uint32_t len; uint16_t flags; uint16_t next; };
struct avail { uint16_t flags; uint16_t idx; uint16_t ring[QSIZE]; uint16_t used_event; };
struct used_elem { uint32_t id; uint32_t len; };
struct used { uint16_t flags; uint16_t idx; struct used_elem ring[QSIZE]; uint16_t avail_event; };

struct vq {
    uint32_t base;
    uint32_t index;
    volatile struct desc *desc;
    volatile struct avail *avail;
    volatile struct used *used;
    uint16_t next_avail;
    uint16_t last_used;
};

#define barrier() __asm__ volatile("" ::: "memory")
#define RINGS 0x100000u   /* 16 KiB per queue */
#define BUFFERS 0x200000u /* 4 KiB per device slot */

static uint32_t rd(uint32_t base, uint32_t reg) { return mmio_read32(base + reg); }
static void wr(uint32_t base, uint32_t reg, uint32_t v) { mmio_write32(base + reg, v); }

static void zero(volatile uint8_t *p, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) p[i] = 0;
}

/* Reset, negotiate VERSION_1 plus `wanted` (low word) of what is offered. 0 on success. */
static int negotiate(uint32_t base, uint32_t wanted) {
    wr(base, R_STATUS, 0);
    wr(base, R_STATUS, 1);
    wr(base, R_STATUS, 3);
    wr(base, R_DEVICE_FEATURES_SEL, 1);
    if (!(rd(base, R_DEVICE_FEATURES) & 1)) return -1;
    wr(base, R_DEVICE_FEATURES_SEL, 0);
    uint32_t low = rd(base, R_DEVICE_FEATURES) & wanted;
    wr(base, R_DRIVER_FEATURES_SEL, 0);
    wr(base, R_DRIVER_FEATURES, low);
    wr(base, R_DRIVER_FEATURES_SEL, 1);
    wr(base, R_DRIVER_FEATURES, 1);
    wr(base, R_STATUS, 0xb);
    return (rd(base, R_STATUS) & 8) ? 0 : -2;
}

static int setup_queue(struct vq *q, uint32_t base, uint32_t slot, uint32_t index) {
    uint32_t ring = RINGS + slot * 0x10000u + index * 0x4000u;
    zero((volatile uint8_t *)ring, 0x2000);
    q->base = base;
    q->index = index;
    q->desc = (volatile struct desc *)ring;
    q->avail = (volatile struct avail *)(ring + 0x800);
    q->used = (volatile struct used *)(ring + 0x1000);
    q->next_avail = 0;
    q->last_used = 0;
    wr(base, R_QUEUE_SEL, index);
    if (rd(base, R_QUEUE_NUM_MAX) < QSIZE) return -1;
    wr(base, R_QUEUE_NUM, QSIZE);
    wr(base, R_QUEUE_DESC_LOW, (uint32_t)q->desc);
    wr(base, R_QUEUE_DESC_HIGH, 0);
    wr(base, R_QUEUE_DRIVER_LOW, (uint32_t)q->avail);
    wr(base, R_QUEUE_DRIVER_HIGH, 0);
    wr(base, R_QUEUE_DEVICE_LOW, (uint32_t)q->used);
    wr(base, R_QUEUE_DEVICE_HIGH, 0);
    wr(base, R_QUEUE_READY, 1);
    return 0;
}

static void set_desc(struct vq *q, uint16_t i, uint32_t addr, uint32_t len, uint16_t flags, uint16_t next) {
    q->desc[i].addr = addr;
    q->desc[i].len = len;
    q->desc[i].flags = flags;
    q->desc[i].next = next;
}

/* Publishes chain `head`, notifies, and polls for its completion. Returns the used length or -1. */
static int32_t submit(struct vq *q, uint16_t head) {
    q->avail->ring[q->next_avail % QSIZE] = head;
    barrier();
    q->next_avail++;
    q->avail->idx = q->next_avail;
    barrier();
    wr(q->base, R_QUEUE_NOTIFY, q->index); /* an ioeventfd: no exit to the VMM */
    for (uint32_t spin = 0; spin < 2000000; spin++) {
        if (q->used->idx != q->last_used) {
            barrier();
            uint32_t len = q->used->ring[q->last_used % QSIZE].len;
            q->last_used++;
            return (int32_t)len;
        }
    }
    return -1;
}

static void ack_interrupt(uint32_t base) {
    uint32_t isr = rd(base, R_INTERRUPT_STATUS);
    wr(base, R_INTERRUPT_ACK, isr);
}

static void fail(const char *what) {
    uart_puts("virtio-smoke: FAIL ");
    uart_puts(what);
    uart_putc('\n');
}

struct blk_req { uint32_t type; uint32_t reserved; uint64_t sector; };

static int32_t blk_request(struct vq *q, volatile struct blk_req *hdr, volatile uint8_t *status, uint32_t type,
                           uint32_t sector, uint32_t data, uint32_t len, int device_writes) {
    hdr->type = type;
    hdr->reserved = 0;
    hdr->sector = sector;
    *status = 0xff;
    if (len > 0) {
        set_desc(q, 0, (uint32_t)hdr, 16, F_NEXT, 1);
        set_desc(q, 1, data, len, F_NEXT | (device_writes ? F_WRITE : 0), 2);
        set_desc(q, 2, (uint32_t)status, 1, F_WRITE, 0);
    } else {
        set_desc(q, 0, (uint32_t)hdr, 16, F_NEXT, 2);
        set_desc(q, 2, (uint32_t)status, 1, F_WRITE, 0);
    }
    if (submit(q, 0) < 0) return -1;
    return *status;
}

static void test_blk(uint32_t base, uint32_t slot) {
    struct vq q;
    if (negotiate(base, 1u << 9) < 0 || setup_queue(&q, base, slot, 0) < 0) return fail("blk setup");
    wr(base, R_STATUS, 0xf);
    uint32_t capacity = rd(base, R_CONFIG);
    uint32_t buffers = BUFFERS + slot * 0x1000u;
    volatile struct blk_req *hdr = (volatile struct blk_req *)buffers;
    volatile uint8_t *status = (volatile uint8_t *)(buffers + 0x20);
    volatile uint8_t *out = (volatile uint8_t *)(buffers + 0x200);
    volatile uint8_t *in = (volatile uint8_t *)(buffers + 0x400);
    volatile char *id = (volatile char *)(buffers + 0x600);
    for (uint32_t i = 0; i < 512; i++) {
        out[i] = (uint8_t)(i * 13 + 7);
        in[i] = 0;
    }
    uart_puts("virtio-blk: capacity ");
    uart_put_dec(capacity);
    if (blk_request(&q, hdr, status, 1, 5, (uint32_t)out, 512, 0) != 0) return fail("blk write");
    uart_puts(" write ok");
    if (blk_request(&q, hdr, status, 4, 0, 0, 0, 0) != 0) return fail("blk flush");
    uart_puts(" flush ok");
    if (blk_request(&q, hdr, status, 0, 5, (uint32_t)in, 512, 1) != 0) return fail("blk read");
    for (uint32_t i = 0; i < 512; i++) {
        if (in[i] != out[i]) return fail("blk compare");
    }
    uart_puts(" read ok match ok");
    zero((volatile uint8_t *)id, 21);
    if (blk_request(&q, hdr, status, 8, 0, (uint32_t)id, 20, 1) != 0) return fail("blk get-id");
    uart_puts(" id ");
    for (int i = 0; i < 20 && id[i]; i++) uart_putc(id[i]);
    if (!(rd(base, R_INTERRUPT_STATUS) & 1)) return fail("blk interrupt status");
    ack_interrupt(base);
    uart_putc('\n');
}

static void test_rng(uint32_t base, uint32_t slot) {
    struct vq q;
    if (negotiate(base, 0) < 0 || setup_queue(&q, base, slot, 0) < 0) return fail("rng setup");
    wr(base, R_STATUS, 0xf);
    volatile uint8_t *buffer = (volatile uint8_t *)(BUFFERS + slot * 0x1000u);
    zero(buffer, 32);
    set_desc(&q, 0, (uint32_t)buffer, 32, F_WRITE, 0);
    int32_t got = submit(&q, 0);
    if (got < 0) return fail("rng request");
    uint32_t nonzero = 0;
    for (int i = 0; i < 32; i++) nonzero |= buffer[i];
    uart_puts("virtio-rng: got ");
    uart_put_dec((uint32_t)got);
    uart_puts(nonzero ? " bytes, not all zero\n" : " bytes, all zero\n");
    ack_interrupt(base);
}

static void test_console(uint32_t base, uint32_t slot) {
    struct vq rx, tx;
    if (negotiate(base, 0) < 0 || setup_queue(&rx, base, slot, 0) < 0 || setup_queue(&tx, base, slot, 1) < 0) {
        return fail("console setup");
    }
    wr(base, R_STATUS, 0xf);
    static const char hello[] = "hello from the guest console\n";
    volatile char *buffers = (volatile char *)(BUFFERS + slot * 0x1000u);
    volatile char *line = buffers;
    volatile char *input = buffers + 0x100;
    volatile char *echo = buffers + 0x200;
    uint32_t n = 0;
    for (; hello[n]; n++) line[n] = hello[n];
    set_desc(&tx, 0, (uint32_t)line, n, 0, 0);
    if (submit(&tx, 0) < 0) return fail("console transmit");
    set_desc(&rx, 0, (uint32_t)input, 64, F_WRITE, 0);
    int32_t got = submit(&rx, 0);
    if (got <= 0) return fail("console receive");
    uart_puts("virtio-console: received ");
    for (int32_t i = 0; i < got; i++) uart_putc(input[i]);
    static const char prefix[] = "echo: ";
    uint32_t m = 0;
    for (; prefix[m]; m++) echo[m] = prefix[m];
    for (int32_t i = 0; i < got; i++) echo[m++] = input[i];
    set_desc(&tx, 1, (uint32_t)echo, m, 0, 0);
    if (submit(&tx, 1) < 0) return fail("console echo");
    ack_interrupt(base);
}

void main(void) {
    for (uint32_t n = 0; n < 8; n++) {
        uint32_t base = SLOT(n);
        if (rd(base, R_MAGIC) != 0x74726976u || rd(base, R_VERSION) != 2) continue;
        switch (rd(base, R_DEVICE_ID)) {
            case 2: test_blk(base, n); break;
            case 3: test_console(base, n); break;
            case 4: test_rng(base, n); break;
            default: break;
        }
    }
    uart_puts("virtio-smoke: done\n");
}
