/* See virtio.h. */
#include "virtio.h"

#include "clock.h"
#include "uart.h"

void zero(volatile uint8_t* p, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) p[i] = 0;
}

int virtio_negotiate(uint32_t base, uint32_t wanted) {
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

int virtio_setup_queue(struct vq* q, uint32_t base, uint32_t ring, uint32_t index) {
    zero((volatile uint8_t*)ring, 0x2000);
    q->base = base;
    q->index = index;
    q->desc = (volatile struct desc*)ring;
    q->avail = (volatile struct avail*)(ring + 0x800);
    q->used = (volatile struct used*)(ring + 0x1000);
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

void virtq_set_desc(struct vq* q, uint16_t i, uint32_t addr, uint32_t len, uint16_t flags, uint16_t next) {
    q->desc[i].addr = addr;
    q->desc[i].len = len;
    q->desc[i].flags = flags;
    q->desc[i].next = next;
}

void virtq_publish(struct vq* q, uint16_t head) {
    q->avail->ring[q->next_avail % QSIZE] = head;
    barrier();
    q->next_avail++;
    q->avail->idx = q->next_avail;
    barrier();
    wr(q->base, R_QUEUE_NOTIFY, q->index); /* an ioeventfd: no exit to the VMM */
}

int virtq_take_used(struct vq* q, uint32_t* id, uint32_t* len) {
    if (q->used->idx == q->last_used) return 0;
    barrier();
    volatile struct used_elem* e = &q->used->ring[q->last_used % QSIZE];
    *id = e->id;
    *len = e->len;
    q->last_used++;
    return 1;
}

int32_t virtq_submit_poll(struct vq* q, uint16_t head) {
    uint64_t deadline = clock_deadline_ms(VIRTQ_POLL_TIMEOUT_MS);
    virtq_publish(q, head);
    uint32_t id, len;
    while (!virtq_take_used(q, &id, &len)) {
        if (clock_passed(deadline)) {
            uart_puts("virtio: no completion on queue ");
            uart_put_dec(q->index);
            uart_puts(" of the device at ");
            uart_put_hex32(q->base);
            uart_puts(" within ");
            uart_put_dec(VIRTQ_POLL_TIMEOUT_MS);
            uart_puts(" ms\n");
            return -1;
        }
    }
    return (int32_t)len;
}
