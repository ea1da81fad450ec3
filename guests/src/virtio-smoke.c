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
#include "virtio.h"

#define SLOT(n) (0xC0000000u + (n)*0x1000u)
#define RINGS   0x100000u /* 16 KiB per queue */
#define BUFFERS 0x200000u /* 4 KiB per device slot */

static int setup_queue(struct vq* q, uint32_t base, uint32_t slot, uint32_t index) {
    return virtio_setup_queue(q, base, RINGS + slot * 0x10000u + index * 0x4000u, index);
}

static void ack_interrupt(uint32_t base) {
    uint32_t isr = rd(base, R_INTERRUPT_STATUS);
    wr(base, R_INTERRUPT_ACK, isr);
}

static void fail(const char* what) {
    uart_puts("virtio-smoke: FAIL ");
    uart_puts(what);
    uart_putc('\n');
}

struct blk_req {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

static int32_t blk_request(struct vq* q, volatile struct blk_req* hdr, volatile uint8_t* status, uint32_t type,
                           uint32_t sector, uint32_t data, uint32_t len, int device_writes) {
    hdr->type = type;
    hdr->reserved = 0;
    hdr->sector = sector;
    *status = 0xff;
    if (len > 0) {
        virtq_set_desc(q, 0, (uint32_t)hdr, 16, F_NEXT, 1);
        virtq_set_desc(q, 1, data, len, F_NEXT | (device_writes ? F_WRITE : 0), 2);
        virtq_set_desc(q, 2, (uint32_t)status, 1, F_WRITE, 0);
    } else {
        virtq_set_desc(q, 0, (uint32_t)hdr, 16, F_NEXT, 2);
        virtq_set_desc(q, 2, (uint32_t)status, 1, F_WRITE, 0);
    }
    if (virtq_submit_poll(q, 0) < 0) return -1;
    return *status;
}

static void test_blk(uint32_t base, uint32_t slot) {
    struct vq q;
    if (virtio_negotiate(base, 1u << 9) < 0 || setup_queue(&q, base, slot, 0) < 0) return fail("blk setup");
    wr(base, R_STATUS, 0xf);
    uint32_t capacity = rd(base, R_CONFIG);
    uint32_t buffers = BUFFERS + slot * 0x1000u;
    volatile struct blk_req* hdr = (volatile struct blk_req*)buffers;
    volatile uint8_t* status = (volatile uint8_t*)(buffers + 0x20);
    volatile uint8_t* out = (volatile uint8_t*)(buffers + 0x200);
    volatile uint8_t* in = (volatile uint8_t*)(buffers + 0x400);
    volatile char* id = (volatile char*)(buffers + 0x600);
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
    zero((volatile uint8_t*)id, 21);
    if (blk_request(&q, hdr, status, 8, 0, (uint32_t)id, 20, 1) != 0) return fail("blk get-id");
    uart_puts(" id ");
    for (int i = 0; i < 20 && id[i]; i++) uart_putc(id[i]);
    if (!(rd(base, R_INTERRUPT_STATUS) & 1)) return fail("blk interrupt status");
    ack_interrupt(base);
    uart_putc('\n');
}

static void test_rng(uint32_t base, uint32_t slot) {
    struct vq q;
    if (virtio_negotiate(base, 0) < 0 || setup_queue(&q, base, slot, 0) < 0) return fail("rng setup");
    wr(base, R_STATUS, 0xf);
    volatile uint8_t* buffer = (volatile uint8_t*)(BUFFERS + slot * 0x1000u);
    zero(buffer, 32);
    virtq_set_desc(&q, 0, (uint32_t)buffer, 32, F_WRITE, 0);
    int32_t got = virtq_submit_poll(&q, 0);
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
    if (virtio_negotiate(base, 0) < 0 || setup_queue(&rx, base, slot, 0) < 0 || setup_queue(&tx, base, slot, 1) < 0) {
        return fail("console setup");
    }
    wr(base, R_STATUS, 0xf);
    static const char hello[] = "hello from the guest console\n";
    volatile char* buffers = (volatile char*)(BUFFERS + slot * 0x1000u);
    volatile char* line = buffers;
    volatile char* input = buffers + 0x100;
    volatile char* echo = buffers + 0x200;
    uint32_t n = 0;
    for (; hello[n]; n++) line[n] = hello[n];
    virtq_set_desc(&tx, 0, (uint32_t)line, n, 0, 0);
    if (virtq_submit_poll(&tx, 0) < 0) return fail("console transmit");
    virtq_set_desc(&rx, 0, (uint32_t)input, 64, F_WRITE, 0);
    int32_t got = virtq_submit_poll(&rx, 0);
    if (got <= 0) return fail("console receive");
    uart_puts("virtio-console: received ");
    for (int32_t i = 0; i < got; i++) uart_putc(input[i]);
    static const char prefix[] = "echo: ";
    uint32_t m = 0;
    for (; prefix[m]; m++) echo[m] = prefix[m];
    for (int32_t i = 0; i < got; i++) echo[m++] = input[i];
    virtq_set_desc(&tx, 1, (uint32_t)echo, m, 0, 0);
    if (virtq_submit_poll(&tx, 1) < 0) return fail("console echo");
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
