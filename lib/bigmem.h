/*
 * Big zeroed tables: the hash indexes of the state map and of
 * relaywatch-due, millions of slots at 10 M addresses.
 */
#ifndef RW_BIGMEM_H
#define RW_BIGMEM_H

#include <stddef.h>

/* Zeroed memory for n items of size bytes: from mmap when large, zeroed
 * without a memset, with huge pages where the system has them (*mapped
 * set); NULL when out of memory. */
void *bigmem_alloc(size_t n, size_t size, int *mapped);
void bigmem_free(void *p, size_t n, size_t size, int mapped);

#endif
