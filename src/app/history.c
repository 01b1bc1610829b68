/*
 * history.c - the learner's input, kept across sessions.
 *
 * The file is $GRADCALC_HISTORY when that is set (set but empty: keep no
 * history), else $XDG_STATE_HOME/gradcalc/history, else
 * ~/.local/state/gradcalc/history. Each entry is appended to the file as
 * soon as it is entered, so two sessions open at once both keep their
 * lines and a session that ends abruptly loses nothing; the file is trimmed
 * to HISTORY_LINES when a session starts and ends. Entries are written with
 * timestamps, which lets a statement typed over several lines come back as
 * one entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <readline/history.h>
#include "app/history.h"

#define HISTORY_ENTRIES 1000  /* kept in memory */
#define HISTORY_LINES   2000  /* kept in the file: a timestamp line per entry */
#define ENTRY_MAX       65536 /* a larger paste is run but not remembered */

static char *path; /* NULL: history is not written */

/* mkdir -p for the directories above the file, each made 0700. */
static int make_parents(char *file)
{
    for (char *p = file + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        int r = mkdir(file, 0700);
        *p = '/';
        if (r != 0 && errno != EEXIST) return -1;
    }
    return 0;
}

static char *default_path(void)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    const char *tail;
    char *p;
    /* The XDG spec ignores a relative XDG_STATE_HOME. */
    if (state != NULL && state[0] == '/') {
        tail = "/gradcalc/history";
    } else if (home != NULL && home[0] != '\0') {
        state = home;
        tail = "/.local/state/gradcalc/history";
    } else {
        return NULL;
    }
    p = malloc(strlen(state) + strlen(tail) + 1);
    if (p != NULL) {
        strcpy(p, state);
        strcat(p, tail);
    }
    return p;
}

void history_open(void)
{
    const char *env = getenv("GRADCALC_HISTORY");
    int fd;

    using_history();
    stifle_history(HISTORY_ENTRIES);
    /* A timestamp is written as history_comment_char and the time; with
       the default '\0' readline writes none, and without them a
       statement of several lines would come back as separate lines. */
    history_comment_char = '#';
    history_write_timestamps = 1;
    history_multiline_entries = 1;
    if (env != NULL && env[0] == '\0') return;
    path = env != NULL ? strdup(env) : default_path();
    if (path == NULL) return;
    if (env == NULL) make_parents(path);
    /* append_history needs the file to exist; create it private. */
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) {
        fprintf(stderr, "gradcalc: history is not kept: cannot open %s: %s\n", path,
                strerror(errno));
        free(path);
        path = NULL;
        return;
    }
    close(fd);
    history_truncate_file(path, HISTORY_LINES);
    read_history(path);
}

void history_remember(const char *entry)
{
    const char *p = entry;
    HIST_ENTRY *last;
    while (*p == ' ' || *p == '\t' || *p == '\n') p++;
    if (*p == '\0' || strlen(entry) > ENTRY_MAX) return;
    last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
    if (last != NULL && strcmp(last->line, entry) == 0) return;
    add_history(entry);
    if (path != NULL) append_history(1, path);
}

void history_close(void)
{
    if (path != NULL) {
        history_truncate_file(path, HISTORY_LINES);
        free(path);
        path = NULL;
    }
}
