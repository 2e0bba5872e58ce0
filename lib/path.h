/*
 * File names.
 */
#ifndef RW_PATH_H
#define RW_PATH_H

#include <stddef.h>

/* The directory part of path ("." for none, "/" for the root) into dir
 * (dirsz bytes); 0, or -1 when it does not fit. */
int path_dir(const char *path, char *dir, size_t dirsz);

#endif
