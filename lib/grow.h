/*
 * Arrays that grow: doubled, so that n appends cost O(n).
 */
#ifndef RW_GROW_H
#define RW_GROW_H

#include <stddef.h>

/*
 * p, an array of *cap items of size bytes, with room for at least need
 * items: p itself when it has it, else p reallocated (*cap doubled from
 * at least 16 until it is enough).  NULL when out of memory (p is then
 * left as it was).
 */
void *grow(void *p, size_t *cap, size_t need, size_t size);

#endif
