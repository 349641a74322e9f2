/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Barriers and atomics for pvfront, usable in freestanding builds.
 *
 * By default they come from C11 <stdatomic.h> (a freestanding header).  A
 * guest kernel with its own primitives defines PVF_BARRIER_HEADER to the
 * name of a header that provides every macro below, and this file includes
 * that header instead.  The Xen ring macros (xen_mb/xen_rmb/xen_wmb) are
 * defined on top of these in <pvfront/xen.h>.
 *
 *   pvf_mb()    full barrier: orders earlier loads+stores before later ones
 *   pvf_rmb()   read barrier: earlier loads before later loads
 *   pvf_wmb()   write barrier: earlier stores before later stores
 *   pvf_barrier() compiler barrier only
 *   PVF_READ_ONCE(x) / PVF_WRITE_ONCE(x, v)  single, untorn access to
 *               shared memory (the compiler may not re-read or split it)
 *   pvf_cmpxchg16(p, old, new)  atomic compare-and-swap on a uint16_t,
 *               returns the value found
 *   pvf_xchg_ulong(p, v)        atomic exchange of an unsigned long
 *   pvf_set_bit / pvf_clear_bit / pvf_test_and_clear_bit (atomic, on
 *               unsigned long bitmaps as Xen lays them out)
 */
#ifndef PVFRONT_BARRIER_H
#define PVFRONT_BARRIER_H

#ifdef PVF_BARRIER_HEADER
#include PVF_BARRIER_HEADER
#else
#include <stdatomic.h>
#include <stdint.h>

#define pvf_barrier() atomic_signal_fence(memory_order_seq_cst)
#define pvf_mb()      atomic_thread_fence(memory_order_seq_cst)
#define pvf_rmb()     atomic_thread_fence(memory_order_acquire)
#define pvf_wmb()     atomic_thread_fence(memory_order_release)

#define PVF_READ_ONCE(x)     (*(const volatile __typeof__(x) *)&(x))
#define PVF_WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

static inline uint16_t pvf_cmpxchg16(volatile uint16_t *p, uint16_t old, uint16_t nv)
{
	__atomic_compare_exchange_n((uint16_t *)p, &old, nv, 0,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old;
}

static inline uint32_t pvf_cmpxchg32(volatile uint32_t *p, uint32_t old, uint32_t nv)
{
	__atomic_compare_exchange_n((uint32_t *)p, &old, nv, 0,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old;
}

static inline unsigned long pvf_xchg_ulong(volatile unsigned long *p, unsigned long v)
{
	return __atomic_exchange_n((unsigned long *)p, v, __ATOMIC_SEQ_CST);
}

#define PVF_BITS_PER_LONG (8 * sizeof(unsigned long))

static inline void pvf_set_bit(unsigned int nr, volatile unsigned long *map)
{
	__atomic_fetch_or((unsigned long *)&map[nr / PVF_BITS_PER_LONG],
			  1UL << (nr % PVF_BITS_PER_LONG), __ATOMIC_SEQ_CST);
}

static inline void pvf_clear_bit(unsigned int nr, volatile unsigned long *map)
{
	__atomic_fetch_and((unsigned long *)&map[nr / PVF_BITS_PER_LONG],
			   ~(1UL << (nr % PVF_BITS_PER_LONG)), __ATOMIC_SEQ_CST);
}

static inline int pvf_test_bit(unsigned int nr, const volatile unsigned long *map)
{
	return (int)((__atomic_load_n((unsigned long *)&map[nr / PVF_BITS_PER_LONG],
				      __ATOMIC_SEQ_CST) >> (nr % PVF_BITS_PER_LONG)) & 1UL);
}

/* Returns the bit's previous value (0 or 1). */
static inline int pvf_test_and_set_bit(unsigned int nr, volatile unsigned long *map)
{
	unsigned long m = 1UL << (nr % PVF_BITS_PER_LONG);
	return (__atomic_fetch_or((unsigned long *)&map[nr / PVF_BITS_PER_LONG], m,
				  __ATOMIC_SEQ_CST) & m) != 0;
}

static inline int pvf_test_and_clear_bit(unsigned int nr, volatile unsigned long *map)
{
	unsigned long m = 1UL << (nr % PVF_BITS_PER_LONG);
	return (__atomic_fetch_and((unsigned long *)&map[nr / PVF_BITS_PER_LONG], ~m,
				   __ATOMIC_SEQ_CST) & m) != 0;
}
#endif /* PVF_BARRIER_HEADER */

#endif /* PVFRONT_BARRIER_H */
