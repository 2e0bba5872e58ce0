/*
 * The harnesses' common part: each t/fuzz/NAME.c defines
 * LLVMFuzzerTestOneInput; built with libFuzzer by `make fuzz`, and with
 * replay.c (no libFuzzer) for `make check`, which runs every seed and
 * every input a fuzzer ever crashed on.
 */
#ifndef RW_FUZZ_H
#define RW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A private temp file holding data (mode 600), its path returned; the
 * same file each call.  Aborts when it cannot be written. */
const char *fuzz_file(const uint8_t *data, size_t size);

/* The fixed key the harnesses sign and check tokens with, as the key
 * file's text (t/fuzz/seeds.sh makes seeds with it). */
#define FUZZ_KEY_HEX \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* Stop with a report: a property did not hold. */
#define FUZZ_ASSERT(c) do { if (!(c)) fuzz_fail(#c, __FILE__, __LINE__); } \
	while (0)
void fuzz_fail(const char *what, const char *file, int line)
    __attribute__((noreturn));

#endif
