/*
 * virtio-loop (32-bit): keeps virtio-blk busy until the host says stop, for pause and device-state
 * tests. Request pair n writes sector n % 64 with bytes (n * 7 + i), reads it back and compares, then
 * stores n + 1 in the u64 at GPA 0x6000. The queue has 8 entries, so its indexes wrap every 8
 * requests. When the host writes STOP_MAGIC to the u32 at 0x6008, the guest prints
 * "virtio-loop: done <count>" (or a FAIL line) on COM1 and halts.
 */
#include "io.h"
#include "layout.h"
#include "uart.h"
#include "virtio.h"

#define SLOT0      0xC0000000u
#define RINGS      0x100000u
#define BUFFERS    0x200000u
#define STOP_MAGIC 0x504f5453u /* "STOP" */

struct blk_req {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

static int request(struct vq* q, uint32_t type, uint32_t sector, uint32_t data, int device_writes) {
    volatile struct blk_req* hdr = (volatile struct blk_req*)BUFFERS;
    volatile uint8_t* status = (volatile uint8_t*)(BUFFERS + 0x20);
    hdr->type = type;
    hdr->reserved = 0;
    hdr->sector = sector;
    *status = 0xff;
    virtq_set_desc(q, 0, (uint32_t)hdr, 16, F_NEXT, 1);
    virtq_set_desc(q, 1, data, 512, F_NEXT | (device_writes ? F_WRITE : 0), 2);
    virtq_set_desc(q, 2, (uint32_t)status, 1, F_WRITE, 0);
    if (virtq_submit_poll(q, 0) < 0) return -1;
    return *status;
}

static void fail(const char* what, uint32_t n) {
    uart_puts("virtio-loop: FAIL ");
    uart_puts(what);
    uart_puts(" at request pair ");
    uart_put_dec(n);
    uart_putc('\n');
}

void main(void) {
    volatile uint64_t* counter = (volatile uint64_t*)GUEST_MAILBOX;
    volatile uint32_t* stop = (volatile uint32_t*)(GUEST_MAILBOX + 8);
    struct vq q;
    if (rd(SLOT0, R_MAGIC) != VIRTIO_MAGIC || rd(SLOT0, R_DEVICE_ID) != 2) return fail("no virtio-blk in slot 0", 0);
    if (virtio_negotiate(SLOT0, 0) < 0 || virtio_setup_queue(&q, SLOT0, RINGS, 0) < 0) return fail("setup", 0);
    wr(SLOT0, R_STATUS, 0xf);
    volatile uint8_t* out = (volatile uint8_t*)(BUFFERS + 0x200);
    volatile uint8_t* in = (volatile uint8_t*)(BUFFERS + 0x400);
    uint32_t n = 0;
    while (*stop != STOP_MAGIC) {
        for (uint32_t i = 0; i < 512; i++) {
            out[i] = (uint8_t)(n * 7 + i);
            in[i] = 0;
        }
        if (request(&q, 1, n % 64, (uint32_t)out, 0) != 0) return fail("write", n);
        if (request(&q, 0, n % 64, (uint32_t)in, 1) != 0) return fail("read", n);
        for (uint32_t i = 0; i < 512; i++) {
            if (in[i] != out[i]) return fail("compare", n);
        }
        *counter = ++n;
    }
    uart_puts("virtio-loop: done ");
    uart_put_dec(n);
    uart_putc('\n');
}
