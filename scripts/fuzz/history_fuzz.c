/*
 * history_fuzz.c - libFuzzer harness for the history file reader
 * (src/app/history.c over readline's history functions): every input is
 * written as the history file, which history_open trims and reads and
 * history_close trims again. Built and run by `make fuzz` with clang's
 * -fsanitize=fuzzer,address,undefined.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <readline/history.h>

#include "app/history.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char file[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(file, sizeof file, "/tmp/gradcalc-history-fuzz.%ld", (long)getpid());
    setenv("GRADCALC_HISTORY", file, 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(file, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    history_open();
    history_remember("x = var(1)");
    history_remember("y = x *\n  2");
    history_close();
    clear_history();
    unlink(file);
    return 0;
}
