/*
 * Big zeroed tables (hash indexes of millions of slots): from mmap, zeroed
 * without a memset, with huge pages where the system has them.
 */
#define _DEFAULT_SOURCE		/* MAP_ANONYMOUS, madvise(2) */
#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>

#include "bigmem.h"

void *
bigmem_alloc(size_t n, size_t size, int *mapped)
{
	size_t bytes = n * size;

	*mapped = 0;
	if (size && n > SIZE_MAX / size)
		return NULL;
#if defined(MAP_ANONYMOUS)
	if (bytes >= (4u << 20)) {
		void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return NULL;
#if defined(MADV_HUGEPAGE)
		/* Fewer TLB misses in tables read at random: compile of
		 * 10 M addresses 10.5 s with, 12.9 to 13.8 s without;
		 * relaywatch-due 2.2 s with, 2.6 to 2.7 s without. */
		madvise(p, bytes, MADV_HUGEPAGE);
#endif
		*mapped = 1;
		return p;
	}
#endif
	return calloc(n, size);
}

void
bigmem_free(void *p, size_t n, size_t size, int mapped)
{
	if (mapped)
		munmap(p, n * size);
	else
		free(p);
}

