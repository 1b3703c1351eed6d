#ifndef CLIBFUZZER_H
#define CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry for a program with a main of its own (compiler-rt's FuzzerInterface.h): it parses libFuzzer's
// flags from argv and calls `callback` for every input. Linked only when built with -sanitize=fuzzer; the harness
// names it only then (#if FUZZING).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
