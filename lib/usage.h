/*
 * The usage message, one policy for every program: asked for (-h), on
 * standard output with status 0; after a mistake, on standard error with
 * 64 (EX_USAGE).
 */
#ifndef RW_USAGE_H
#define RW_USAGE_H

void usage_exit(const char *text, int asked) __attribute__((noreturn));

#endif
